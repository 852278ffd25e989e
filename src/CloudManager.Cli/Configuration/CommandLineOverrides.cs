namespace CloudManager.Cli.Configuration;

/// <summary>The global options that choose or override settings; null where not given.</summary>
internal sealed record CommandLineOverrides(string? ConfigPath, string? Database, string? Storage, long? Capacity);
