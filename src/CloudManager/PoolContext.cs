using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.Hosts.Concurrency;
using CloudManager.Hosts.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudManager;

/// <summary>
/// What every component of one open pool shares: its options, catalog, cache folder and its gate,
/// clock, logger, hosts (each behind its transfer limit) and this node's id once the pool is open.
/// </summary>
internal sealed class PoolContext : IAsyncDisposable
{
    private string _nodeId = "";

    internal PoolContext(CloudPoolOptions options, ICatalog catalog)
    {
        Options = options;
        Catalog = catalog;
        Time = options.TimeProvider;
        Logger = options.Logger ?? NullLogger.Instance;
        Layout = new CacheLayout(options.StoragePath);
        Gate = new CacheGate(Layout.LockPath, options.LockTimeout, Time);
        Hosts = options.Hosts.ToDictionary(h => h.Name, h => (IStorageHost)new TransferLimitedStorageHost(h), StringComparer.Ordinal);
        CacheLimit = (long)Math.Floor(options.CapacityBytes * options.MaxFill);
        Identities = new PoolHosts(this);
        SharedTime = new CatalogClock(Time, Logger);
    }

    internal CloudPoolOptions Options { get; }

    /// <summary>The catalog whole: opening and closing; the components use it through its roles below.</summary>
    internal ICatalog Catalog { get; }

    /// <summary>The catalog's files.</summary>
    internal IFileCatalog Files => Catalog;

    /// <summary>This node's cache entries.</summary>
    internal ICacheIndex CacheIndex => Catalog;

    /// <summary>Copies on hosts and the hosts' health.</summary>
    internal ICopyCatalog Copies => Catalog;

    /// <summary>The transfer meter.</summary>
    internal ITransferLog Transfers => Catalog;

    /// <summary>Exports, imports and read positions of shared logs.</summary>
    internal IExchangeCatalog ExchangeLog => Catalog;

    /// <summary>Listings and queues.</summary>
    internal IFileListings Listings => Catalog;

    /// <summary>Shared claims on making copies.</summary>
    internal ICopyClaims Claims => Catalog;

    /// <summary>The hosts' journals and the rebuilding of the catalog from the hosts.</summary>
    internal IRecoveryCatalog Recovery => Catalog;

    /// <summary>The configured hosts as identities: which id each has, which may be written to, which are unavailable.</summary>
    internal PoolHosts Identities { get; }

    internal CacheLayout Layout { get; }

    /// <summary>The lock file that serializes changes to the cache folder among processes.</summary>
    internal CacheGate Gate { get; }

    /// <summary>This node's clock: cache accesses, timeouts, everything that stays on this node.</summary>
    internal TimeProvider Time { get; }

    /// <summary>The clock of times shared with other nodes: the catalog's where it has one (see <see cref="CatalogClock"/>).</summary>
    internal CatalogClock SharedTime { get; }

    internal ILogger Logger { get; }

    /// <summary>The configured hosts by name, each behind its limit of concurrent uploads.</summary>
    internal IReadOnlyDictionary<string, IStorageHost> Hosts { get; }

    /// <summary>The most the cache may hold: capacity × max fill.</summary>
    internal long CacheLimit { get; }

    /// <summary>How many hosts must hold a file before it is safe.</summary>
    internal int MinCopies => Options.MinCopies;

    /// <summary>This node's id; set when the pool opens.</summary>
    internal string NodeId
    {
        get => Volatile.Read(ref _nodeId);
        set => Volatile.Write(ref _nodeId, value);
    }

    public async ValueTask DisposeAsync()
    {
        // The limits own their semaphores and dispose the hosts they wrap.
        foreach (var host in Hosts.Values)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        await Catalog.DisposeAsync().ConfigureAwait(false);
        Layout.Dispose();
        Gate.Dispose();
    }
}
