namespace CloudManager.Hosts;

/// <summary>Builds <see cref="DirectoryHost"/>s: the <c>directory</c> kind.</summary>
/// <remarks>
/// <code>
/// { "name": "disk-b", "kind": "directory", "settings": { "path": "/mnt/b/pool", "maxConcurrentTransfers": "4" } }
/// </code>
/// Settings: <c>path</c> (required), <c>maxConcurrentTransfers</c> (1 to 64, default 4).
/// </remarks>
public sealed class DirectoryHostFactory : IStorageHostFactory
{
    /// <inheritdoc />
    public string Kind => "directory";

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(name, Kind, settings, "path", "maxConcurrentTransfers");
        return new DirectoryHost(name, new DirectoryHostOptions
        {
            Path = read.Required("path"),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers", 4, 1, 64),
        });
    }
}
