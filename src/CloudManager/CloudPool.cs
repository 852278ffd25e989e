using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.Exchange;
using CloudManager.Fetcher;
using CloudManager.Hosts;
using CloudManager.Ingest;
using CloudManager.Replication;
using CloudManager.Verifier;

namespace CloudManager;

/// <summary>
/// A pool of files known by their SHA-256: registered in a SQL catalog, held in a local cache folder
/// of fixed capacity, copied to several storage hosts, evicted when safe and brought back, verified,
/// when asked for.
/// </summary>
/// <remarks>
/// <para>Usage:</para>
/// <code>
/// await using var pool = new CloudPool(new CloudPoolOptions
/// {
///     Database = "catalog.db", StoragePath = "cache", CapacityBytes = 20L &lt;&lt; 30,
///     Hosts = { new DirectoryHost("a", "/mnt/a/pool"), new DirectoryHost("b", "/mnt/b/pool") },
/// });
/// var hash = await pool.UploadAsync("/path/to/file");
/// await pool.SyncAsync();                      // copies to the hosts; the file becomes safe
/// var path = await pool.WarmUpAsync(hash);     // cached path, fetched and verified if evicted
/// </code>
/// <para>One instance is safe to use from many threads. Several processes may open the same catalog
/// and cache folder: changes to the cache are serialized by a lock file in the folder, and catalog
/// changes are transactions. The first call opens the pool (creates or upgrades the schema,
/// registers the node, reconciles the cache folder with the catalog); <see cref="OpenAsync(CloudPoolOptions, CancellationToken)"/>
/// does that eagerly.</para>
/// </remarks>
public sealed partial class CloudPool : IAsyncDisposable, IDisposable
{
    private readonly PoolContext _pool;
    private readonly LocalCache _cache;
    private readonly CacheReconciler _reconciler;
    private readonly FileIngest _fileIngest;
    private readonly BatchIngest _batchIngest;
    private readonly ContentFetcher _fetcher;
    private readonly DestinationDownload _download;
    private readonly Replicator _replicator;
    private readonly CopyVerifier _verifier;
    private readonly RecordExchange _exchange;
    private readonly SemaphoreSlim _openLock = new(1, 1);
    private volatile bool _opened;
    private volatile bool _catalogReady;
    private volatile bool _disposed;
    private CacheReconciliation? _reconciliation;

    /// <summary>Opens a pool the way the 2014 library did: a catalog, a cache folder and its capacity, no hosts.</summary>
    /// <param name="database">A SQLite file path (created when missing) or <c>Data Source=…</c> connection string.</param>
    /// <param name="storagePath">The cache folder (created when missing).</param>
    /// <param name="capacityBytes">The cache's capacity in bytes.</param>
    public CloudPool(string database, string storagePath, long capacityBytes)
        : this(new CloudPoolOptions { Database = database, StoragePath = storagePath, CapacityBytes = capacityBytes })
    {
    }

    /// <summary>Opens a pool from options (hosts, redundancy, policy, clock, ...).</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range; the message names it.</exception>
    public CloudPool(CloudPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _pool = new PoolContext(options, options.Catalog ?? OpenSqlite(options.Database!));
        _cache = new LocalCache(_pool);
        _reconciler = new CacheReconciler(_pool, _cache);
        var admission = new NewFileAdmission(_pool, _cache);
        _fileIngest = new FileIngest(_pool, _cache, admission);
        _batchIngest = new BatchIngest(_pool, _cache, _fileIngest, admission);
        _fetcher = new ContentFetcher(_pool, _cache);
        _download = new DestinationDownload(_pool, _cache, _fetcher);
        _replicator = new Replicator(_pool, _cache, _fetcher);
        _verifier = new CopyVerifier(_pool);
        _exchange = new RecordExchange(_pool);
    }

    private static SqliteCatalog OpenSqlite(string database) =>
        database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            ? throw new ArgumentException(
                "A PostgreSQL catalog is opened with PostgresCatalog.Open(uri) from the CloudManager.Catalog.Postgres package, passed as CloudPoolOptions.Catalog.", nameof(database))
            : new SqliteCatalog(database);

    /// <summary>Creates a pool and opens it at once, so that configuration and catalog errors surface here.</summary>
    public static async Task<CloudPool> OpenAsync(CloudPoolOptions options, CancellationToken cancellationToken = default)
    {
        var pool = new CloudPool(options);
        try
        {
            await pool.EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
            return pool;
        }
        catch
        {
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Creates the catalog schema in a new database, or upgrades an existing one (the seed's
    /// <c>cm_setup_db</c>).
    /// </summary>
    /// <param name="database">A SQLite file path or connection string.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The schema version now in place.</returns>
    public static async Task<int> SetupDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        var catalog = OpenSqlite(database);
        await using (catalog.ConfigureAwait(false))
        {
            return await catalog.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates or upgrades the schema of any catalog.</summary>
    public static Task<int> SetupDatabaseAsync(ICatalog catalog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.MigrateAsync(cancellationToken);
    }

    /// <summary>The cache's capacity in bytes.</summary>
    public long Capacity => _pool.Options.CapacityBytes;

    /// <summary>The most the cache may hold: capacity × max fill.</summary>
    public long CacheLimit => _pool.CacheLimit;

    /// <summary>The configured hosts.</summary>
    public IReadOnlyCollection<IStorageHost> Hosts => _pool.Options.Hosts.AsReadOnly();

    /// <summary>Files up to this size are uploaded in batches by <see cref="UploadFilesAsync"/>.</summary>
    internal const int BatchedFileLimit = BatchIngest.BatchedFileLimit;

    /// <summary>At most this many files per batch of <see cref="UploadFilesAsync"/>.</summary>
    internal const int FilesPerBatch = BatchIngest.FilesPerBatch;

    /// <summary>The bytes at which a batch ends; lowered by a test to see batches end early.</summary>
    internal long BatchByteLimit
    {
        get => _batchIngest.BatchByteLimit;
        set => _batchIngest.BatchByteLimit = value;
    }

    /// <summary>Begins the flush of one batch; a test replaces it to inject flush failures or to take the per-file path.</summary>
    internal Func<string, IO.IBatchFlush> BeginBatchFlush
    {
        get => _batchIngest.BeginBatchFlush;
        set => _batchIngest.BeginBatchFlush = value;
    }

    /// <summary>The cache folder and this node's entries (for tests).</summary>
    internal LocalCache Cache => _cache;

    /// <summary>The copies in memory of small hot cached files (see <see cref="CloudPoolOptions.MemoryCacheBytes"/>).</summary>
    internal HotFileMemory HotFiles => _cache.Memory;

    /// <summary>The options this pool was opened with.</summary>
    public CloudPoolOptions Options => _pool.Options;

    /// <summary>
    /// The pool's time: <see cref="CloudPoolOptions.TimeProvider"/> corrected to the catalog's clock when the two
    /// differ by more than a minute (nodes sharing a catalog then agree on dates, months and lease expiries).
    /// Use it for anything written to the catalog or compared with what is there, such as the month a transfer counts in.
    /// </summary>
    public TimeProvider Clock => _pool.SharedTime;

    /// <summary>The catalog (for the library's own components and tests; callers use the pool's methods).</summary>
    internal ICatalog Catalog => _pool.Catalog;

    /// <summary>How many times syncs opened a cached file to send it (for tests: once per file, however many hosts).</summary>
    internal long CacheFileOpensForSync => _replicator.CacheFileOpens;

    /// <summary>The catalog, for people: a path or a connection without its password.</summary>
    public string CatalogName => _pool.Catalog.DisplayName;

    /// <summary>The cache folder.</summary>
    public string StoragePath => _pool.Layout.Root;

    /// <summary>This node's id (known once the pool is open).</summary>
    public async Task<string> GetNodeIdAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return _pool.NodeId;
    }

    /// <summary>
    /// What opening the pool found and fixed in the cache folder: files adopted (registered again as
    /// pending when the catalog did not know them), files moved to quarantine, temp files removed,
    /// entries dropped. <see cref="CacheReconciliation.Notices"/> says what a person must be told.
    /// </summary>
    public async Task<CacheReconciliation> GetReconciliationAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return _reconciliation!;
    }

    /// <summary>Whether the catalog knows the file.</summary>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 64 hexadecimal digits.</exception>
    public async Task<bool> ExistsAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        await EnsureCatalogReadyAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.ContainsFileAsync(content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether this node's cache holds the file now.</summary>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 64 hexadecimal digits.</exception>
    public async Task<bool> OnCacheAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        await EnsureCatalogReadyAsync(cancellationToken).ConfigureAwait(false);
        if (PeekNodeId() is not { } nodeId)
        {
            return false;
        }

        var size = await _pool.Catalog.FindCachedSizeAsync(nodeId, content, cancellationToken).ConfigureAwait(false);
        return size is { } cachedSize && _cache.IsPresent(content, cachedSize);
    }

    /// <summary>The file's payload (the seed's <c>info</c>), or null when the catalog does not know it.</summary>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 64 hexadecimal digits.</exception>
    public async Task<FilePayload?> InfoAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        await EnsureCatalogReadyAsync(cancellationToken).ConfigureAwait(false);
        var file = await _pool.Catalog.FindFileAsync(content, cancellationToken).ConfigureAwait(false);
        return file is null ? null : await ToPayloadAsync(file, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The catalog's record of a file, or null when it does not know it.</summary>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 64 hexadecimal digits.</exception>
    public async Task<FileRecord?> FindFileAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        await EnsureCatalogReadyAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.FindFileAsync(content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many files the catalog knows and their total size (one query).</summary>
    public async Task<QueueInfo> CountFilesAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCatalogReadyAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.CountFilesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The node at a glance: the cache, the files (and those lost, or known only from other nodes), both
    /// queues, the transfer meter and every configured host with the copies it holds and its history.
    /// Hosts are not contacted.
    /// </summary>
    public async Task<PoolStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var catalog = _pool.Catalog;
        var node = _pool.NodeId;
        var now = _pool.SharedTime.GetUtcNow();
        var month = SqlCatalog.MonthOf(now);
        var used = await catalog.GetUsedBytesAsync(node, cancellationToken).ConfigureAwait(false);
        var files = await catalog.CountFilesAsync(cancellationToken).ConfigureAwait(false);
        var uploadQueue = await catalog.CountUploadQueueAsync(node, _pool.MinCopies, cancellationToken).ConfigureAwait(false);
        var exportQueue = await catalog.CountExportQueueAsync(_pool.MinCopies, cancellationToken).ConfigureAwait(false);
        var total = await catalog.GetTransfersAsync(node, null, cancellationToken).ConfigureAwait(false);
        var thisMonth = await catalog.GetTransfersAsync(node, month, cancellationToken).ConfigureAwait(false);
        var copies = await catalog.CountStoredCopiesByHostAsync(cancellationToken).ConfigureAwait(false);
        var health = await HostHealthAsync(cancellationToken).ConfigureAwait(false);
        var lost = await catalog.CountLostAsync(cancellationToken).ConfigureAwait(false);
        var unconfirmed = await catalog.CountUnconfirmedAsync(cancellationToken).ConfigureAwait(false);
        var hosts = _pool.Options.Hosts.Zip(health, (host, history) => _pool.Identities.IdOf(host.Name) is { } id
            ? new HostStatus(host.Name, host.Kind, copies.GetValueOrDefault(id), history, id)
            : new HostStatus(host.Name, host.Kind, 0, history)).ToList();
        var (quarantinedFiles, quarantinedBytes) = _pool.Layout.MeasureQuarantine();
        var cache = new CacheStatus(StoragePath, Capacity, CacheLimit, used, _pool.Layout.QuarantinePath, new QueueInfo(quarantinedFiles, quarantinedBytes));
        return new PoolStatus(
            node, catalog.DisplayName, now, cache, files, uploadQueue, exportQueue,
            new TransferStatus(total, month, thisMonth), hosts, lost, unconfirmed);
    }

    /// <summary>What a sync would copy now: the target number of copies and the files short of it.</summary>
    public async Task<SyncPlan> GetSyncPlanAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var target = Math.Min(_pool.Options.Redundancy, _pool.Hosts.Count);
        return new SyncPlan(
            target, target == 0 ? [] : await _pool.Catalog.ListUnderReplicatedAsync(_pool.NodeId, target, int.MaxValue, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Adds bytes this node moved on its own to the transfer meter: what a server sent of cached files
    /// (reads through <see cref="OpenReadAsync"/> are not metered), or a file copied to standard output.
    /// </summary>
    /// <param name="incomingBytes">Bytes received; not negative.</param>
    /// <param name="outgoingBytes">Bytes sent; not negative.</param>
    /// <param name="at">When they moved: their month is the one counted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task RecordTransferAsync(long incomingBytes, long outgoingBytes, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(incomingBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(outgoingBytes);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await _pool.Catalog.AddTransferAsync(_pool.NodeId, incomingBytes, outgoingBytes, at, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Used bytes divided by capacity (0 to at most the max fill).</summary>
    public async Task<double> UsageRatioAsync(CancellationToken cancellationToken = default) =>
        (double)await UsedSpaceAsync(cancellationToken).ConfigureAwait(false) / _pool.Options.CapacityBytes;

    /// <summary>Bytes this node's cache holds, as tracked in the catalog (no folder walk).</summary>
    public async Task<long> UsedSpaceAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.GetUsedBytesAsync(_pool.NodeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Bytes received by this node in total: uploads into the pool and downloads from hosts.</summary>
    public async Task<long> TotalIncomingAsync(CancellationToken cancellationToken = default) =>
        (await TransfersAsync(null, cancellationToken).ConfigureAwait(false)).Incoming;

    /// <summary>Bytes sent by this node in total: copies to hosts and files copied out.</summary>
    public async Task<long> TotalOutgoingAsync(CancellationToken cancellationToken = default) =>
        (await TransfersAsync(null, cancellationToken).ConfigureAwait(false)).Outgoing;

    /// <summary>Bytes received this calendar month (UTC).</summary>
    public async Task<long> CurrentIncomingAsync(CancellationToken cancellationToken = default) =>
        (await TransfersAsync(SqlCatalog.MonthOf(_pool.SharedTime.GetUtcNow()), cancellationToken).ConfigureAwait(false)).Incoming;

    /// <summary>Bytes sent this calendar month (UTC).</summary>
    public async Task<long> CurrentOutgoingAsync(CancellationToken cancellationToken = default) =>
        (await TransfersAsync(SqlCatalog.MonthOf(_pool.SharedTime.GetUtcNow()), cancellationToken).ConfigureAwait(false)).Outgoing;

    /// <summary>Files this node caches that are waiting for hosts: count and bytes.</summary>
    public async Task<QueueInfo> UploadQueueInfoAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.CountUploadQueueAsync(_pool.NodeId, _pool.Options.MinCopies, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Safe files not yet confirmed by a shared log (the seed's <c>blockchain_queue_info</c>): count and bytes.</summary>
    public async Task<QueueInfo> ExportQueueInfoAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.CountExportQueueAsync(_pool.Options.MinCopies, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Both queues, file by file.</summary>
    public async Task<SyncStatus> SyncStatusAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return new SyncStatus(
            await _pool.Catalog.ListUploadQueueAsync(_pool.NodeId, _pool.Options.MinCopies, cancellationToken).ConfigureAwait(false),
            await _pool.Catalog.ListExportQueueAsync(_pool.Options.MinCopies, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The read position in the shared log (the seed's <c>last_known_block</c>).</summary>
    public Task<long> LastKnownBlockAsync(CancellationToken cancellationToken = default) => LastKnownBlockAsync("", cancellationToken);

    /// <summary>The read position in one of several logs or peers this node reads (0 when never set).</summary>
    /// <param name="source">The log or peer; the empty string is the default log.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<long> LastKnownBlockAsync(string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.GetCursorAsync(source, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records that the shared log was read up to <paramref name="height"/> (the seed's <c>visit_block</c>).</summary>
    public Task VisitBlockAsync(long height, CancellationToken cancellationToken = default) => VisitBlockAsync("", height, cancellationToken);

    /// <summary>Records that one of several logs or peers was read up to <paramref name="height"/>.</summary>
    /// <param name="source">The log or peer; the empty string is the default log.</param>
    /// <param name="height">The position read up to; not negative.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task VisitBlockAsync(string source, long height, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await _pool.Catalog.SetCursorAsync(source, height, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Files in hash order, with whether this node caches them; pass the last hash seen to page.</summary>
    public async Task<IReadOnlyList<FileListing>> ListFilesAsync(string? after = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ContentHash? start = after is null ? null : ParseHash(after, nameof(after));
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.ListFilesAsync(_pool.NodeId, start, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Files newest first (by the time they entered the pool, then by hash), with whether this node
    /// caches them; pass the hash of the last file of the previous page to page on.
    /// </summary>
    /// <param name="after">The last hash of the previous page, or null for the first page.</param>
    /// <param name="limit">The most files to return; at least 1.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="ArgumentException"><paramref name="after"/> is not a hash, or not one this pool knows.</exception>
    public async Task<IReadOnlyList<FileListing>> ListNewestFilesAsync(string? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ContentHash? start = after is null ? null : ParseHash(after, nameof(after));
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        FileRecord? cursor = null;
        if (start is { } hash)
        {
            cursor = await _pool.Catalog.FindFileAsync(hash, cancellationToken).ConfigureAwait(false)
                ?? throw new ArgumentException($"{hash} is not a file this pool knows: pass the hash of the last file of the previous page.", nameof(after));
        }

        return await _pool.Catalog.ListNewestFilesAsync(_pool.NodeId, cursor, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The health of every configured host (hosts never used have an empty record).</summary>
    public async Task<IReadOnlyList<HostHealth>> HostHealthAsync(CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var known = (await _pool.Catalog.GetHostHealthAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.HostName, StringComparer.Ordinal);
        return _pool.Options.Hosts.Select(h => known.GetValueOrDefault(h.Name) ?? HostHealth.New(h.Name)).ToList();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // The hits still waiting are written before the catalog closes.
        await _cache.DisposeAsync().ConfigureAwait(false);
        await _pool.DisposeAsync().ConfigureAwait(false);
        _openLock.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task<TransferTotals> TransfersAsync(string? month, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _pool.Catalog.GetTransfersAsync(_pool.NodeId, month, cancellationToken).ConfigureAwait(false);
    }

    private async Task<FilePayload> ToPayloadAsync(FileRecord file, CancellationToken cancellationToken) =>
        RecordExchange.ToPayload(file, await _pool.Catalog.GetCopiesAsync(file.Hash, cancellationToken).ConfigureAwait(false));

    private static ContentHash ParseHash(string hash, string parameterName = "hash")
    {
        ArgumentNullException.ThrowIfNull(hash, parameterName);
        return ContentHash.TryParse(hash, out var content)
            ? content
            : throw new ArgumentException($"'{(hash.Length > 80 ? hash[..77] + "..." : hash)}' is not a file hash: expected 64 hexadecimal digits (a SHA-256).", parameterName);
    }
}
