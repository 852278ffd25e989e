using CloudManager.Eviction;
using CloudManager.Exchange;

namespace CloudManager.Catalog;

/// <summary>
/// The pool's SQL catalog: files, their copies on hosts, host health, each node's cache entries,
/// the transfer meter, export state and sync cursors.
/// </summary>
/// <remarks>
/// Every method is one transaction (all or nothing) and safe to call from several threads and
/// processes at once. What is per node (cache entries, used bytes, the transfer meter) is keyed by
/// node id; everything else is shared by all nodes on the catalog. Provider errors are wrapped in
/// <see cref="CatalogException"/>.
/// </remarks>
public interface ICatalog : IAsyncDisposable
{
    /// <summary>A description for messages, with any password removed.</summary>
    string DisplayName { get; }

    /// <summary>Creates the schema, or upgrades it to the newest version this code knows.</summary>
    /// <returns>The schema version now in place.</returns>
    /// <exception cref="CatalogVersionException">The catalog is newer than this code.</exception>
    Task<int> MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Registers a node (idempotent) and makes its stored priorities those of <paramref name="policy"/>.</summary>
    Task EnsureNodeAsync(string nodeId, IEvictionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The file with this hash, or null.</summary>
    Task<FileRecord?> FindFileAsync(ContentHash hash, CancellationToken cancellationToken);

    /// <summary>The files the catalog knows among <paramref name="hashes"/>, a few queries for many hashes.</summary>
    Task<IReadOnlyDictionary<ContentHash, FileRecord>> FindFilesAsync(IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken);

    /// <summary>Every copy row of a file.</summary>
    Task<IReadOnlyList<CopyRecord>> GetCopiesAsync(ContentHash hash, CancellationToken cancellationToken);

    /// <summary>Every copy row of several files at once (a file without copies has no key).</summary>
    Task<IReadOnlyDictionary<ContentHash, IReadOnlyList<CopyRecord>>> GetCopiesAsync(IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken);

    /// <summary>
    /// Records that a node's cache now holds a file: adds the file if the catalog does not know it,
    /// adds the cache entry (resuming the access count the node remembered from its last eviction, if
    /// the policy remembers evicted files), its bytes to the node's used bytes, and <paramref name="incomingBytes"/> to
    /// this month's meter.
    /// </summary>
    /// <returns>Whether the file was new to the catalog.</returns>
    /// <exception cref="CatalogException">The catalog knows the hash with another size.</exception>
    Task<bool> AddCachedFileAsync(
        string nodeId, FileRecord file, IEvictionPolicy policy, long incomingBytes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records several files a node's cache now holds in one transaction, each as
    /// <see cref="AddCachedFileAsync"/> does, their sizes added to this month's incoming bytes; all or none.
    /// </summary>
    /// <returns>How many of them were new to the catalog.</returns>
    /// <exception cref="CatalogException">The catalog knows one of the hashes with another size; nothing is recorded.</exception>
    Task<int> AddCachedFilesAsync(string nodeId, IReadOnlyList<FileRecord> files, IEvictionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The node's cache entry for a file, or null.</summary>
    Task<CacheEntry?> FindCacheEntryAsync(string nodeId, ContentHash hash, CancellationToken cancellationToken);

    /// <summary>
    /// Counts hits on cached files, in the order given, in one transaction: each advances the node's
    /// clock and recomputes the file's priority. Hits on files the node no longer caches are skipped.
    /// </summary>
    /// <returns>How many hits were applied.</returns>
    Task<int> RecordCacheHitsAsync(string nodeId, IReadOnlyList<ContentHash> hits, IEvictionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Cached files that may be evicted, lowest priority first, equal priorities in the order of the
    /// policy's <see cref="IEvictionPolicy.TieBreak"/>: not pinned, and held by at least
    /// <paramref name="minCopies"/> hosts.
    /// </summary>
    Task<IReadOnlyList<CacheEntry>> ListEvictionCandidatesAsync(string nodeId, IEvictionPolicy policy, int minCopies, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Removes a cache entry and its bytes from the node's used bytes. For an eviction, pass the
    /// policy: it raises the node's aging value and, if the policy remembers evicted files, records
    /// the file's access count (trimming the oldest remembered files beyond the policy's bound); pass
    /// null when the file merely vanished.
    /// </summary>
    /// <returns>False when there was no such entry.</returns>
    Task<bool> RemoveCacheEntryAsync(string nodeId, ContentHash hash, IEvictionPolicy? agingPolicy, CancellationToken cancellationToken);

    /// <summary>Every cache entry of a node.</summary>
    Task<IReadOnlyList<CacheEntry>> ListCacheEntriesAsync(string nodeId, CancellationToken cancellationToken);

    /// <summary>The bytes a node's cache holds, as tracked by its entries.</summary>
    Task<long> GetUsedBytesAsync(string nodeId, CancellationToken cancellationToken);

    /// <summary>Pins or unpins a cached file.</summary>
    /// <returns>False when the node does not cache the file.</returns>
    Task<bool> SetPinnedAsync(string nodeId, ContentHash hash, bool pinned, CancellationToken cancellationToken);

    /// <summary>
    /// Files this node does not cache that lost a copy (one is marked damaged or missing) and still
    /// have at least one good copy, but fewer than <paramref name="redundancy"/>: what a sync repairs.
    /// </summary>
    Task<IReadOnlyList<FileRecord>> ListRepairCandidatesAsync(string nodeId, int redundancy, int limit, CancellationToken cancellationToken);

    /// <summary>Files this node caches that fewer than <paramref name="redundancy"/> hosts hold, oldest first.</summary>
    Task<IReadOnlyList<FileRecord>> ListUnderReplicatedAsync(string nodeId, int redundancy, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Records an upload attempt: the copy row, the host's health and the outgoing bytes, and
    /// recounts the file's stored copies.
    /// </summary>
    /// <returns>The file's stored copies after the change.</returns>
    Task<int> RecordCopyAttemptAsync(string nodeId, CopyAttempt attempt, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Marks a copy as damaged (the host served wrong bytes, or lost it) and recounts the file's stored copies.</summary>
    Task MarkCopyDamagedAsync(ContentHash hash, string hostName, string error, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records the outcome of a transfer in a host's health.</summary>
    Task RecordHostResultAsync(string hostName, string? error, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The health of every host that has a record.</summary>
    Task<IReadOnlyList<HostHealth>> GetHostHealthAsync(CancellationToken cancellationToken);

    /// <summary>How many good copies each host holds.</summary>
    Task<IReadOnlyDictionary<string, long>> CountStoredCopiesByHostAsync(CancellationToken cancellationToken);

    /// <summary>Adds to a node's meter for the month of <paramref name="now"/> (UTC).</summary>
    Task AddTransferAsync(string nodeId, long incomingBytes, long outgoingBytes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A node's meter: for one month (<c>YYYY-MM</c>), or in total when <paramref name="month"/> is null.</summary>
    Task<TransferTotals> GetTransfersAsync(string nodeId, string? month, CancellationToken cancellationToken);

    /// <summary>Files this node caches that are not yet safe (fewer than <paramref name="minCopies"/> copies).</summary>
    Task<IReadOnlyList<FileRecord>> ListUploadQueueAsync(string nodeId, int minCopies, CancellationToken cancellationToken);

    /// <summary>How many files this node caches that are not yet safe, and their bytes (one query, no listing).</summary>
    Task<QueueInfo> CountUploadQueueAsync(string nodeId, int minCopies, CancellationToken cancellationToken);

    /// <summary>How many safe files no shared log has confirmed yet, and their bytes (one query, no listing).</summary>
    Task<QueueInfo> CountExportQueueAsync(int minCopies, CancellationToken cancellationToken);

    /// <summary>Safe files that no shared log has confirmed yet.</summary>
    Task<IReadOnlyList<FileRecord>> ListExportQueueAsync(int minCopies, CancellationToken cancellationToken);

    /// <summary>
    /// Safe, unconfirmed files that a dump may offer: never offered, or offered before
    /// <paramref name="reofferBefore"/>; oldest first.
    /// </summary>
    /// <param name="minCopies">The fewest good copies a file needs to be offered.</param>
    /// <param name="reofferBefore">Files offered before this moment are offered again.</param>
    /// <param name="after">The last file of the previous page, or null for the first page.</param>
    /// <param name="limit">The most files to return.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    Task<IReadOnlyList<FileRecord>> ListExportCandidatesAsync(int minCopies, DateTimeOffset reofferBefore, FileRecord? after, int limit, CancellationToken cancellationToken);

    /// <summary>Marks files as offered by a dump at <paramref name="now"/>.</summary>
    Task MarkExportedAsync(IReadOnlyCollection<ContentHash> hashes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Imports payloads in one transaction: adds unknown files, merges copies into known ones and marks
    /// every record confirmed under <paramref name="syncId"/>.
    /// </summary>
    /// <exception cref="InvalidPayloadException">A record names a known hash with another size; nothing was imported.</exception>
    Task ImportAsync(IReadOnlyList<FilePayload> records, string syncId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The read position in a shared log (0 when never set).</summary>
    Task<long> GetCursorAsync(string source, CancellationToken cancellationToken);

    /// <summary>Sets the read position in a shared log.</summary>
    Task SetCursorAsync(string source, long position, CancellationToken cancellationToken);

    /// <summary>Files that have at least one good copy, in hash order, after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<FileRecord>> ListFilesWithCopiesAsync(ContentHash? after, int limit, CancellationToken cancellationToken);

    /// <summary>Files in hash order, with whether this node caches them.</summary>
    Task<IReadOnlyList<FileListing>> ListFilesAsync(string nodeId, ContentHash? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Files newest first (by creation time, then hash, both descending), with whether this node
    /// caches them; pass the last file of the previous page as <paramref name="after"/>.
    /// </summary>
    Task<IReadOnlyList<FileListing>> ListNewestFilesAsync(string nodeId, FileRecord? after, int limit, CancellationToken cancellationToken);

    /// <summary>How many files the catalog knows and their total size.</summary>
    Task<QueueInfo> CountFilesAsync(CancellationToken cancellationToken);

    /// <summary>Whether the catalog knows a file: the cheapest lookup, reading no row.</summary>
    Task<bool> ContainsFileAsync(ContentHash hash, CancellationToken cancellationToken);

    /// <summary>The size the node's cache entry for a file records, or null when the node does not cache it.</summary>
    Task<long?> FindCachedSizeAsync(string nodeId, ContentHash hash, CancellationToken cancellationToken);

    /// <summary>
    /// A file and the size the node's cache entry for it records, in one query (what a read of a
    /// cached file needs); null when the catalog does not know the file.
    /// </summary>
    Task<NodeFile?> FindFileOnNodeAsync(string nodeId, ContentHash hash, CancellationToken cancellationToken);
}
