namespace CloudManager.Cli.Hosts;

/// <summary>One configured host: its unique name, its kind and its settings as text.</summary>
/// <param name="Name">The host's name, stored in the catalog with every copy it holds.</param>
/// <param name="Kind">Which factory builds it (<c>directory</c>, ...).</param>
/// <param name="Settings">Kind-specific settings; values from the config file and from environment variables.</param>
/// <param name="Source">Where it was defined, for messages.</param>
internal sealed record HostDefinition(string Name, string Kind, IReadOnlyDictionary<string, string> Settings, string Source);
