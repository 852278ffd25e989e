namespace CloudManager.Hosts.Rclone;

/// <summary>Builds <see cref="RcloneHost"/>s: the <c>rclone</c> kind.</summary>
/// <remarks>
/// <code>
/// { "name": "r2", "kind": "rclone", "settings": { "remote": "r2:pool", "configPath": "/etc/pool/rclone.conf" } }
/// </code>
/// Settings: see <see cref="Options"/>. Credentials live in the rclone config (or rclone's own
/// <c>RCLONE_*</c> environment variables), never here.
/// </remarks>
public sealed class RcloneHostFactory : IStorageHostFactory
{
    private static readonly RcloneHostOptions Defaults = new();

    /// <inheritdoc />
    public string Kind => "rclone";

    /// <inheritdoc />
    public IReadOnlyList<HostOption> Options { get; } =
    [
        new("remote", "Where the copies go: remote:path from the rclone config, or an on-the-fly remote such as :local:/mnt/b/pool.", Required: true),
        new("configPath", "The rclone config file, which holds the remote's credentials; without it, rclone's own default."),
        new("executable", "The rclone program, found on PATH unless a path is given.", Defaults.Executable),
        HostOption.WholeNumber(
            "lowLevelRetries", "rclone's --low-level-retries (its --retries is always 1: the pool retries whole operations itself).", Defaults.LowLevelRetries, 1, 20),
        HostOption.WholeNumber("maxConcurrentTransfers", "How many transfers run against the remote at once.", Defaults.MaxConcurrentTransfers, 1, 64),
    ];

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(name, Kind, settings, Options);
        return new RcloneHost(name, new RcloneHostOptions
        {
            Remote = read.Required("remote"),
            ConfigPath = read.Optional("configPath"),
            Executable = read.Text("executable"),
            LowLevelRetries = read.Int32("lowLevelRetries"),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers"),
        });
    }
}
