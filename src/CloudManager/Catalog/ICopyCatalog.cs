using CloudManager.Hosts;

namespace CloudManager.Catalog;

/// <summary>
/// The copies of files on storage hosts and the hosts' health: what an upload records, which copies
/// were lost, and which files a sync repairs or replicates further.
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface ICopyCatalog
{
    /// <summary>Every copy row of a file.</summary>
    Task<IReadOnlyList<CopyRecord>> GetCopiesAsync(ContentHash hash, CancellationToken cancellationToken);

    /// <summary>Every copy row of several files at once (a file without copies has no key).</summary>
    Task<IReadOnlyDictionary<ContentHash, IReadOnlyList<CopyRecord>>> GetCopiesAsync(IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken);

    /// <summary>
    /// Files this node does not cache that lost a copy (one is marked damaged or missing) and still
    /// have at least one good copy, but fewer than <paramref name="redundancy"/>: what a sync repairs.
    /// </summary>
    Task<IReadOnlyList<FileRecord>> ListRepairCandidatesAsync(string nodeId, int redundancy, int limit, CancellationToken cancellationToken);

    /// <summary>Files this node caches that fewer than <paramref name="redundancy"/> hosts hold, oldest first.</summary>
    Task<IReadOnlyList<FileRecord>> ListUnderReplicatedAsync(string nodeId, int redundancy, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Records an upload attempt: the copy row, the host's health (unless
    /// <see cref="CopyAttempt.SourceDamaged"/>: a damaged source is not the host's fault) and the
    /// outgoing bytes, and recounts the file's stored copies.
    /// </summary>
    /// <returns>The file's stored copies after the change.</returns>
    Task<int> RecordCopyAttemptAsync(string nodeId, CopyAttempt attempt, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a copy <see cref="CopyState.Damaged"/> (wrong bytes or size) or <see cref="CopyState.Missing"/>
    /// (the host, under its identity, does not hold it) and recounts the file's stored copies.
    /// </summary>
    Task MarkCopyProblemAsync(ContentHash hash, string hostId, CopyState state, string error, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records a copy this node has just seen on a host (it exists there with the right size, or served
    /// the right bytes): stored from now on, any hint under <paramref name="hostName"/> replaced; recounts.
    /// </summary>
    /// <returns>The file's stored copies after the change.</returns>
    Task<int> ConfirmCopyAsync(ContentHash hash, string hostId, string hostName, HostLocator locator, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The links to a file's copies learned from other nodes' records and not yet seen.</summary>
    Task<IReadOnlyList<CopyHint>> GetCopyHintsAsync(ContentHash hash, CancellationToken cancellationToken);

    /// <summary>Forgets a link learned from another node (the host named so does not hold the copy).</summary>
    Task RemoveCopyHintAsync(ContentHash hash, string hostName, CancellationToken cancellationToken);

    /// <summary>
    /// Files a verify looks at, in hash order after <paramref name="after"/>: every file with a copy row
    /// or a hint, and every file no node caches (a lost file is reported every time).
    /// </summary>
    Task<IReadOnlyList<FileRecord>> ListFilesToVerifyAsync(ContentHash? after, int limit, CancellationToken cancellationToken);

    /// <summary>Files with unconfirmed links from other nodes whose hosts this node might have: what a sync confirms.</summary>
    Task<IReadOnlyList<FileRecord>> ListFilesWithHintsAsync(IReadOnlyCollection<string> hostNames, ContentHash? after, int limit, CancellationToken cancellationToken);

    /// <summary>Records the outcome of a transfer in a host's health.</summary>
    Task RecordHostResultAsync(string hostName, string? error, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The health of every host that has a record.</summary>
    Task<IReadOnlyList<HostHealth>> GetHostHealthAsync(CancellationToken cancellationToken);

    /// <summary>How many good copies each host identity holds.</summary>
    Task<IReadOnlyDictionary<string, long>> CountStoredCopiesByHostAsync(CancellationToken cancellationToken);

}
