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

    /// <summary>Marks a copy as damaged (the host served wrong bytes, or lost it) and recounts the file's stored copies.</summary>
    Task MarkCopyDamagedAsync(ContentHash hash, string hostName, string error, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records the outcome of a transfer in a host's health.</summary>
    Task RecordHostResultAsync(string hostName, string? error, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The health of every host that has a record.</summary>
    Task<IReadOnlyList<HostHealth>> GetHostHealthAsync(CancellationToken cancellationToken);

    /// <summary>How many good copies each host holds.</summary>
    Task<IReadOnlyDictionary<string, long>> CountStoredCopiesByHostAsync(CancellationToken cancellationToken);

    /// <summary>Files that have at least one good copy, in hash order, after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<FileRecord>> ListFilesWithCopiesAsync(ContentHash? after, int limit, CancellationToken cancellationToken);
}
