using CloudManager.Cli.Hosts;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// What <c>cm</c> uses with no config file at all: a SQLite catalog, a cache and three
/// <c>directory</c> hosts under the user's data folder, so that upload, sync, evict and download
/// work at once on a fresh machine. <c>cm init</c> writes the same as a config file.
/// </summary>
internal static class EmbeddedDefault
{
    /// <summary>The default cache capacity: 10 GiB.</summary>
    public const long Capacity = 10L << 30;

    public const int HostCount = 3;

    public static string CatalogPath(string dataFolder) => Path.Combine(dataFolder, "catalog.db");

    public static string CachePath(string dataFolder) => Path.Combine(dataFolder, "cache");

    public static IReadOnlyList<HostDefinition> Hosts(string dataFolder) =>
        Enumerable.Range(1, HostCount)
            .Select(i => new HostDefinition(
                $"host-{i}",
                "directory",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["path"] = Path.Combine(dataFolder, "hosts", $"host-{i}") },
                "embedded default"))
            .ToList();
}
