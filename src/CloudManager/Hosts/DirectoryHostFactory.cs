namespace CloudManager.Hosts;

/// <summary>Builds <see cref="DirectoryHost"/>s: the <c>directory</c> kind.</summary>
/// <remarks>
/// <code>
/// { "name": "disk-b", "kind": "directory", "settings": { "path": "/mnt/b/pool", "maxConcurrentTransfers": "4" } }
/// </code>
/// Settings: see <see cref="Options"/>.
/// </remarks>
public sealed class DirectoryHostFactory : IStorageHostFactory
{
    private static readonly DirectoryHostOptions Defaults = new();

    /// <inheritdoc />
    public string Kind => "directory";

    /// <inheritdoc />
    public IReadOnlyList<HostOption> Options { get; } =
    [
        new("path", "The folder that holds the copies. It must exist: a missing folder (an unmounted disk) makes the host unavailable.", Required: true),
        HostOption.WholeNumber("maxConcurrentTransfers", "How many transfers run against the folder at once.", Defaults.MaxConcurrentTransfers, 1, 64),
    ];

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(name, Kind, settings, Options);
        return new DirectoryHost(name, new DirectoryHostOptions
        {
            Path = read.Required("path"),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers"),
        });
    }
}
