using CloudManager.Catalog;

namespace CloudManager.Gateway.Api;

// The JSON the API answers with. Names are snake_case (GatewayJsonContext); times are UTC.

/// <summary>What <c>POST /api/upload</c> answers: the seed's three fields.</summary>
internal sealed record UploadResult(string Filehash, string Filename, long Filesize);

/// <summary>The seed's error body, kept for its clients: <c>{"error": "File not found"}</c>.</summary>
internal sealed record SeedError(string Error)
{
    public static SeedError FileNotFound { get; } = new("File not found");
}

/// <summary>A number of files and their total size: the seed's <c>{"count", "size"}</c>.</summary>
internal sealed record CountAndSize(long Count, long Size);

/// <summary>What <c>GET /api/status</c> answers.</summary>
internal sealed record StatusReport(
    string NodeId,
    string Version,
    DateTime GeneratedAt,
    StorageStatus Storage,
    CountAndSize Files,
    BandwidthStatus Bandwidth,
    SyncState Sync,
    IReadOnlyList<HostStatus> Hosts,
    AuthStatus Auth,
    CountAndSize Lost,
    CountAndSize Unconfirmed);

/// <summary>The cache: capacity, the most it may hold, what it holds, and the largest upload accepted.</summary>
internal sealed record StorageStatus(long Capacity, long Limit, long Used, double UsageRatio, long MaxFileSize);

/// <summary>The transfer meter in total and this month, and the monthly limits (null: none).</summary>
internal sealed record BandwidthStatus(TransferAmount Total, MonthlyTransfer Current, BandwidthLimits Limits);

/// <summary>Bytes received and sent.</summary>
internal sealed record TransferAmount(long Incoming, long Outgoing);

/// <summary>Bytes received and sent in one calendar month (UTC, <c>YYYY-MM</c>).</summary>
internal sealed record MonthlyTransfer(string Month, long Incoming, long Outgoing);

/// <summary>Monthly limits in bytes; null where there is none.</summary>
internal sealed record BandwidthLimits(long? Incoming, long? Outgoing);

/// <summary>Both queues and the background replication.</summary>
internal sealed record SyncState(
    CountAndSize CloudQueue,
    CountAndSize ExportQueue,
    bool Running,
    DateTime? LastStartedAt,
    DateTime? LastFinishedAt,
    SyncRunSummary? LastRun,
    string? LastError,
    DateTime? NextRunAt);

/// <summary>What one replication run did.</summary>
internal sealed record SyncRunSummary(int Files, int CopiesMade, int FailedAttempts, int FilesMadeSafe, int FilesPending, long BytesSent)
{
    public static SyncRunSummary From(SyncReport report) =>
        new(report.Files.Count, report.CopiesMade, report.FailedAttempts, report.FilesMadeSafe, report.FilesStillPending, report.BytesSent);
}

/// <summary>What <c>POST /api/admin/sync</c> answers.</summary>
internal sealed record SyncRunResult(DateTime StartedAt, DateTime FinishedAt, SyncRunSummary Summary);

/// <summary>One host: the word for people (ok, failing, unreachable, unknown) and what it is based on.</summary>
internal sealed record HostStatus(
    string Name,
    string Kind,
    string Health,
    bool? Reachable,
    string? ProbeError,
    DateTime? ProbedAt,
    long Copies,
    long Successes,
    long Failures,
    int ConsecutiveFailures,
    string? LastError,
    DateTime? LastSuccessAt,
    DateTime? LastFailureAt);

/// <summary>Whether upload, sync and admin routes need a bearer token.</summary>
internal sealed record AuthStatus(bool TokenRequired);

/// <summary>What <c>GET /api/files</c> answers: one page, the catalog's totals, and the cursor of the next page.</summary>
internal sealed record FilePage(string Order, int Limit, CountAndSize Total, IReadOnlyList<FileItem> Files, string? Next);

/// <summary>A file as listed: <c>state</c> is <c>safe</c> (enough hosts hold it) or <c>pending</c>.</summary>
internal sealed record FileItem(string Hash, string Name, long Size, string State, int Copies, bool Cached, bool Pinned, DateTime CreatedAt)
{
    /// <summary>
    /// A listed file: <c>lost</c> when no configured host holds a good copy and no node caches it, <c>safe</c> once
    /// <paramref name="minCopies"/> hosts hold it, else <c>pending</c>. <c>cm list</c> prints the same.
    /// </summary>
    public static FileItem From(FileListing listing, int minCopies)
    {
        var file = listing.File;
        return new FileItem(
            file.Hash.ToString(),
            FileDisplay.Name(file),
            file.Size,
            listing.Lost ? "lost" : file.StoredCopies >= minCopies ? "safe" : "pending",
            file.StoredCopies,
            listing.Cached,
            listing.Pinned,
            file.CreatedAt.UtcDateTime);
    }
}

/// <summary>What <c>POST /api/sync/load</c> answers: the records imported, and those refused one by one with their reasons.</summary>
internal sealed record LoadResult(int Imported, string SyncId, IReadOnlyList<LoadRejection> Rejected)
{
    /// <summary>The answer for a load's report.</summary>
    public static LoadResult From(CloudManager.Exchange.DataLoadReport report, string syncId) =>
        new(report.Imported, syncId, [.. report.Rejected.Select(r => new LoadRejection(r.Index, r.FileHash, r.Reason))]);
}

/// <summary>A record refused alone (its file name) while the others were imported.</summary>
internal sealed record LoadRejection(int Index, string Filehash, string Reason);

/// <summary>What <c>POST /api/admin/evict/{hash}</c> answers.</summary>
internal sealed record EvictResult(string Hash, bool Evicted);
