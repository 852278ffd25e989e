namespace CloudManager.Catalog;

/// <summary>
/// The files the pool knows, by hash: lookups, the cheapest existence check and the count. Shared by
/// every node on the catalog.
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface IFileCatalog
{
    /// <summary>The file with this hash, or null.</summary>
    Task<FileRecord?> FindFileAsync(ContentHash hash, CancellationToken cancellationToken);

    /// <summary>The files the catalog knows among <paramref name="hashes"/>, a few queries for many hashes.</summary>
    Task<IReadOnlyDictionary<ContentHash, FileRecord>> FindFilesAsync(IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken);

    /// <summary>How many files the catalog knows and their total size.</summary>
    Task<QueueInfo> CountFilesAsync(CancellationToken cancellationToken);

    /// <summary>Whether the catalog knows a file: the cheapest lookup, reading no row.</summary>
    Task<bool> ContainsFileAsync(ContentHash hash, CancellationToken cancellationToken);
}
