using CloudManager.Eviction;
using CloudManager.Hosts;
using Microsoft.Extensions.Time.Testing;

namespace CloudManager.Testing;

/// <summary>A pool on a real SQLite file and real folders, with three directory hosts that tests can break.</summary>
public sealed class PoolHarness : IAsyncDisposable
{
    private readonly List<CloudPool> _pools = [];

    public PoolHarness(int hostCount = 3, string? parentFolder = null)
    {
        Folder = parentFolder is null ? new TempFolder() : new TempFolder(parentFolder);
        HostFolders = Enumerable.Range(1, hostCount).Select(i => Folder.CreateFolder($"host-{i}")).ToList();
    }

    public TempFolder Folder { get; }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public IReadOnlyList<string> HostFolders { get; }

    public string Database => Folder.Combine("catalog.db");

    public string Storage => Folder.Combine("cache");

    /// <summary>Opens a pool over the harness's catalog and cache, with the given hosts or else <see cref="NewHosts"/>.</summary>
    public CloudPool Open(
        long capacity = 1 << 20,
        int redundancy = 3,
        int minCopies = 2,
        IEvictionPolicy? policy = null,
        string? storage = null,
        string? database = null,
        IReadOnlyList<IStorageHost>? hosts = null,
        CloudManager.Catalog.ICatalog? catalog = null,
        long memoryCacheBytes = CloudPoolOptions.DefaultMemoryCacheBytes)
    {
        var options = new CloudPoolOptions
        {
            Database = catalog is null ? database ?? Database : null,
            Catalog = catalog,
            StoragePath = storage ?? Storage,
            CapacityBytes = capacity,
            Redundancy = redundancy,
            MinCopies = minCopies,
            EvictionPolicy = policy ?? EvictionPolicies.Default,
            TimeProvider = Clock,
            LockTimeout = TimeSpan.FromSeconds(30),
            MemoryCacheBytes = memoryCacheBytes,
        };
        foreach (var host in hosts ?? NewHosts())
        {
            options.Hosts.Add(host);
        }

        var pool = new CloudPool(options);
        _pools.Add(pool);
        return pool;
    }

    public List<FaultyHost> NewHosts() =>
        HostFolders.Select((path, i) => new FaultyHost(new DirectoryHost($"host-{i + 1}", path))).ToList();

    public string WriteFile(string name, int length, int seed) => Folder.WriteRandomFile(name, length, seed);

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools)
        {
            await pool.DisposeAsync();
        }

        Folder.Dispose();
    }
}
