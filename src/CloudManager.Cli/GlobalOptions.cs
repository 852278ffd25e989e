using System.CommandLine;
using CloudManager.Cli.Output;

namespace CloudManager.Cli;

/// <summary>The options every command accepts (anywhere on the command line).</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = $"Config file to read (else {EnvironmentNames.Config}, ./cloudmanager.json, ~/.config/cloud-manager/config.json, else the embedded default).",
        HelpName = "file",
        Recursive = true,
    };

    public Option<string?> Database { get; } = new("--db")
    {
        Description = $"Catalog to use: a SQLite file path, sqlite:PATH or a postgres:// URI (overrides {EnvironmentNames.Database} and the config file).",
        HelpName = "path-or-uri",
        Recursive = true,
    };

    public Option<string?> Storage { get; } = new("--storage")
    {
        Description = $"Cache folder (overrides {EnvironmentNames.Storage} and the config file).",
        HelpName = "dir",
        Recursive = true,
    };

    public Option<long?> Capacity { get; } = new("--capacity")
    {
        Description = $"Cache capacity: 20GiB, 512MB, 1.5TB or bytes (overrides {EnvironmentNames.Capacity} and the config file).",
        HelpName = "size",
        Recursive = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (ByteSize.TryParse(text, out var bytes, out var problem))
            {
                return bytes;
            }

            result.AddError($"--capacity: {problem}");
            return null;
        },
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print reports as JSON on stdout (stable field names, exact bytes).",
        Recursive = true,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "No messages, warnings or progress on stderr; data and errors only.",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "More detail on stderr, and the full error with its stack trace on failure.",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Config, Database, Storage, Capacity, Json, Quiet, Verbose];
}
