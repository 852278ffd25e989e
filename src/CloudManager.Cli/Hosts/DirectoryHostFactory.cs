using System.Globalization;
using CloudManager.Hosts;

namespace CloudManager.Cli.Hosts;

/// <summary>
/// The <c>directory</c> kind: copies kept in a local or mounted folder.
/// <code>{ "name": "disk-b", "kind": "directory", "settings": { "path": "/mnt/b/pool" } }</code>
/// </summary>
internal sealed class DirectoryHostFactory : IHostFactory
{
    public string Kind => "directory";

    public IReadOnlyList<HostSetting> Settings { get; } =
    [
        new("path", "The folder that holds the copies. It must exist: a missing folder (an unmounted disk) makes the host unreachable.", Required: true),
        new("maxConcurrentTransfers", "How many transfers run against the folder at once (1 to 64, default 4)."),
    ];

    public IStorageHost Create(HostDefinition definition)
    {
        var options = new DirectoryHostOptions { Path = definition.Settings["path"] };
        if (definition.Settings.TryGetValue("maxConcurrentTransfers", out var text))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var max) || max is < 1 or > 64)
            {
                throw CliException.Usage($"Host '{definition.Name}' ({definition.Source}): maxConcurrentTransfers must be a whole number from 1 to 64, not '{text}'.");
            }

            options.MaxConcurrentTransfers = max;
        }

        return new DirectoryHost(definition.Name, options);
    }
}
