namespace CloudManager.Cli.Hosts;

/// <summary>One configured host: its unique name, its kind and its settings as text.</summary>
/// <param name="Name">The host's name, stored in the catalog with every copy it holds.</param>
/// <param name="Kind">Which factory builds it (<c>directory</c>, ...).</param>
/// <param name="Settings">Kind-specific settings; values from the config file and from environment variables.</param>
/// <param name="Source">Where it was defined, for messages.</param>
/// <param name="Encryption">Where its key comes from when its copies are encrypted; null for a plain host.</param>
internal sealed record HostDefinition(string Name, string Kind, IReadOnlyDictionary<string, string> Settings, string Source, HostEncryption? Encryption = null);

/// <summary>
/// A host's <c>encryption</c> setting: exactly one of a key file (absolute once read) or the name of
/// an environment variable holding the key file's text. Never the key itself.
/// </summary>
/// <param name="KeyFile">The key file, readable by its owner only.</param>
/// <param name="KeyEnv">The environment variable that holds the key file's JSON.</param>
internal sealed record HostEncryption(string? KeyFile, string? KeyEnv)
{
    /// <summary>Where the keys come from, for messages: <c>key file /etc/cm/disk.key</c>.</summary>
    public string Describe() => KeyFile is not null ? $"key file {KeyFile}" : $"environment variable {KeyEnv}";
}
