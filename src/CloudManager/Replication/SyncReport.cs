namespace CloudManager;

/// <summary>One upload attempt made by a sync.</summary>
/// <param name="HostName">The host tried.</param>
/// <param name="Succeeded">Whether the copy was stored.</param>
/// <param name="IsRetry">Whether an earlier attempt on this host had failed.</param>
/// <param name="Error">The error, on failure.</param>
public sealed record CopyAttemptReport(string HostName, bool Succeeded, bool IsRetry, string? Error);

/// <summary>What a sync did for one file.</summary>
/// <param name="Hash">The file.</param>
/// <param name="Name">Its name.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="CopiesBefore">Good copies before the sync.</param>
/// <param name="CopiesAfter">Good copies after it.</param>
/// <param name="WasSafe">Whether it had at least the minimum number of copies before the sync.</param>
/// <param name="IsSafe">Whether it has at least the minimum number of copies now.</param>
/// <param name="Attempts">Every upload attempt, in order of completion.</param>
public sealed record FileSyncReport(
    ContentHash Hash, string Name, long Size, int CopiesBefore, int CopiesAfter, bool WasSafe, bool IsSafe, IReadOnlyList<CopyAttemptReport> Attempts)
{
    /// <summary>
    /// The cached copy was found damaged while it was being sent (its bytes did not hash to
    /// <see cref="Hash"/>): no host stored them, and the file was moved to the cache folder's
    /// <c>quarantine/</c>. Then it was fetched again from a good copy on a host when one existed.
    /// </summary>
    public bool CachedCopyDamaged { get; init; }

    /// <summary>Where the damaged cached copy was set aside, when <see cref="CachedCopyDamaged"/>.</summary>
    public string? QuarantinePath { get; init; }

    /// <summary>
    /// The file is lost: its cached copy was damaged and no host holds a good copy. Only the
    /// quarantined bytes remain (<see cref="QuarantinePath"/>); upload the file again if you still have it.
    /// </summary>
    public bool IsLost { get; init; }
}

/// <summary>What <see cref="CloudPool.SyncAsync(CancellationToken)"/> did.</summary>
/// <param name="Files">One entry per file that needed copies.</param>
public sealed record SyncReport(IReadOnlyList<FileSyncReport> Files)
{
    /// <summary>New copies stored on hosts.</summary>
    public int CopiesMade => Files.Sum(f => f.Attempts.Count(a => a.Succeeded));

    /// <summary>Records of copies written to the hosts' journals this run (see <c>docs/hosts.md</c>, journals).</summary>
    public int JournalRecordsWritten { get; init; }

    /// <summary>Hosts whose journal could not be written this run; their copies' records are written at the next sync.</summary>
    public IReadOnlyList<string> JournalFailures { get; init; } = [];

    /// <summary>Attempts on hosts that had failed this file before.</summary>
    public int Retried => Files.Sum(f => f.Attempts.Count(a => a.IsRetry));

    /// <summary>Attempts that failed.</summary>
    public int FailedAttempts => Files.Sum(f => f.Attempts.Count(a => !a.Succeeded));

    /// <summary>Files that became safe in this sync.</summary>
    public int FilesMadeSafe => Files.Count(f => f.IsSafe && !f.WasSafe);

    /// <summary>Files still not safe after the sync: they stay pinned in the cache and are retried.</summary>
    public int FilesStillPending => Files.Count(f => !f.IsSafe);

    /// <summary>Files whose cached copy was found damaged (and set aside) while it was being sent.</summary>
    public int CachedCopiesDamaged => Files.Count(f => f.CachedCopyDamaged);

    /// <summary>Files lost: their cached copy was damaged and no host holds a good copy.</summary>
    public int FilesLost => Files.Count(f => f.IsLost);

    /// <summary>Bytes sent to hosts.</summary>
    public long BytesSent => Files.Sum(f => f.Size * f.Attempts.Count(a => a.Succeeded));

    /// <summary>A sync that found nothing to do.</summary>
    public static SyncReport Empty { get; } = new([]);
}
