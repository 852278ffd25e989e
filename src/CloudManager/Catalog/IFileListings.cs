namespace CloudManager.Catalog;

/// <summary>
/// Pages of the catalog's files as a node sees them (in hash order or newest first, with whether the
/// node caches each), and the node's upload queue.
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface IFileListings
{
    /// <summary>Files this node caches that are not yet safe (fewer than <paramref name="minCopies"/> copies).</summary>
    Task<IReadOnlyList<FileRecord>> ListUploadQueueAsync(string nodeId, int minCopies, CancellationToken cancellationToken);

    /// <summary>How many files this node caches that are not yet safe, and their bytes (one query, no listing).</summary>
    Task<QueueInfo> CountUploadQueueAsync(string nodeId, int minCopies, CancellationToken cancellationToken);

    /// <summary>
    /// Files that are lost: no good copy on a host some node has configured, in no node's cache, and no
    /// unconfirmed link from another node left to try.
    /// </summary>
    Task<IReadOnlyList<FileRecord>> ListLostAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Which of the given files are lost.</summary>
    Task<IReadOnlySet<ContentHash>> FindLostAsync(IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken);

    /// <summary>How many files are lost, and their bytes.</summary>
    Task<QueueInfo> CountLostAsync(CancellationToken cancellationToken);

    /// <summary>How many files are known only through links from other nodes that no host here has shown yet, and their bytes.</summary>
    Task<QueueInfo> CountUnconfirmedAsync(CancellationToken cancellationToken);

    /// <summary>Files in hash order, with whether this node caches them.</summary>
    Task<IReadOnlyList<FileListing>> ListFilesAsync(string nodeId, ContentHash? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Files newest first (by creation time, then hash, both descending), with whether this node
    /// caches them; pass the last file of the previous page as <paramref name="after"/>.
    /// </summary>
    Task<IReadOnlyList<FileListing>> ListNewestFilesAsync(string nodeId, FileRecord? after, int limit, CancellationToken cancellationToken);
}
