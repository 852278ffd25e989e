using CloudManager.Exchange;

namespace CloudManager.Catalog;

/// <summary>
/// The exchange of records between nodes through shared logs: the export queue and what a dump
/// offers, the import of other nodes' records, and the read position in each log.
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface IExchangeCatalog
{
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
}
