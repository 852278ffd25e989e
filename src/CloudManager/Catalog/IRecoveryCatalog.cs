using CloudManager.Hosts;

namespace CloudManager.Catalog;

/// <summary>A copy row on one host, with its file.</summary>
/// <param name="File">The file.</param>
/// <param name="State">The copy's state.</param>
public sealed record HostCopy(FileRecord File, CopyState State);

/// <summary>
/// What the hosts' journals need from the catalog: which copies still lack their record on their host
/// (written at the next sync), and the rebuilding of a catalog from what the hosts hold.
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface IRecoveryCatalog
{
    /// <summary>Files with a stored copy on the host identity whose record is not yet in that host's journal, in hash order after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<FileRecord>> ListUnjournaledCopiesAsync(string hostId, ContentHash? after, int limit, CancellationToken cancellationToken);

    /// <summary>Every copy row (stored, failed, damaged, missing) on a host identity, with its file, in hash order after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<HostCopy>> ListCopiesOnHostAsync(string hostId, ContentHash? after, int limit, CancellationToken cancellationToken);

    /// <summary>Notes that the records of these files' copies on the host identity are in its journal.</summary>
    Task MarkJournaledAsync(string hostId, IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the files the catalog does not know, with no copies; a file it knows keeps its row as it is
    /// (name, time, copies: the catalog knew it first).
    /// </summary>
    /// <returns>The hashes that were added.</returns>
    Task<IReadOnlyList<ContentHash>> AddRecoveredFilesAsync(IReadOnlyList<FileRecord> files, CancellationToken cancellationToken);

    /// <summary>
    /// Records copies seen on a host identity while rebuilding the catalog (listed there with the file's
    /// size): stored from now on unless the catalog knows the copy as damaged (wrong bytes of the right
    /// size, which a listing cannot see); a hint under <paramref name="hostName"/> is replaced; the
    /// files' stored copies are recounted.
    /// </summary>
    /// <param name="hostId">The host's identity.</param>
    /// <param name="hostName">Its configured name.</param>
    /// <param name="copies">Each file, and whether its record is in the host's journal.</param>
    /// <param name="now">When they were seen.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>How many copies are now recorded as stored that were not before.</returns>
    Task<int> RecordRecoveredCopiesAsync(
        string hostId, string hostName, IReadOnlyList<(ContentHash Hash, bool Journaled)> copies, DateTimeOffset now, CancellationToken cancellationToken);
}
