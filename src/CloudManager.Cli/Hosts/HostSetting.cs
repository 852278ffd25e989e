namespace CloudManager.Cli.Hosts;

/// <summary>A setting a host kind accepts.</summary>
/// <param name="Name">The key in <c>settings</c>, camelCase.</param>
/// <param name="Description">What it means, for docs and errors.</param>
/// <param name="Required">Whether a host of this kind needs it.</param>
/// <param name="Secret">
/// Whether it is a secret (a password, a key): then it is only read from the environment
/// (<c>CM_HOST_&lt;NAME&gt;_&lt;SETTING&gt;</c>), never from the config file, and shown redacted.
/// </param>
internal sealed record HostSetting(string Name, string Description, bool Required = false, bool Secret = false);
