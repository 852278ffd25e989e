using CloudManager.Eviction;

namespace CloudManager.Catalog;

/// <summary>
/// Each node's cache entries: the files a node's cache holds, the access counts and priorities its
/// eviction policy ranks them by, pins, and the bytes they take. Keyed by node id.
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface ICacheIndex
{
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

    /// <summary>The size the node's cache entry for a file records, or null when the node does not cache it.</summary>
    Task<long?> FindCachedSizeAsync(string nodeId, ContentHash hash, CancellationToken cancellationToken);

    /// <summary>
    /// A file and the size the node's cache entry for it records, in one query (what a read of a
    /// cached file needs); null when the catalog does not know the file.
    /// </summary>
    Task<NodeFile?> FindFileOnNodeAsync(string nodeId, ContentHash hash, CancellationToken cancellationToken);
}
