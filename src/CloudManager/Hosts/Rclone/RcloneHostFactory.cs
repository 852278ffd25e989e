namespace CloudManager.Hosts.Rclone;

/// <summary>Builds <see cref="RcloneHost"/>s: the <c>rclone</c> kind.</summary>
/// <remarks>
/// <code>
/// { "name": "r2", "kind": "rclone", "settings": { "remote": "r2:pool", "configPath": "/etc/pool/rclone.conf" } }
/// </code>
/// Settings: <c>remote</c> (required), <c>configPath</c>, <c>executable</c> (default <c>rclone</c>),
/// <c>lowLevelRetries</c> (1 to 20, default 1), <c>maxConcurrentTransfers</c> (1 to 64, default 4).
/// Credentials live in the rclone config (or rclone's own <c>RCLONE_*</c> environment variables), never here.
/// </remarks>
public sealed class RcloneHostFactory : IStorageHostFactory
{
    /// <inheritdoc />
    public string Kind => "rclone";

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(name, Kind, settings, "remote", "configPath", "executable", "lowLevelRetries", "maxConcurrentTransfers");
        return new RcloneHost(name, new RcloneHostOptions
        {
            Remote = read.Required("remote"),
            ConfigPath = read.Optional("configPath"),
            Executable = read.Text("executable", "rclone"),
            LowLevelRetries = read.Int32("lowLevelRetries", 1, 1, 20),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers", 4, 1, 64),
        });
    }
}
