using System.Text.Json.Serialization;

namespace CloudManager.Cli.Output.Results;

/// <summary>What <c>cm sync</c> returns: the totals of <see cref="SyncReport"/> and each file; the target and minimum are for the text only.</summary>
internal sealed record SyncResult(
    int Files,
    int CopiesMade,
    int FailedAttempts,
    int FilesMadeSafe,
    int FilesPending,
    long BytesSent,
    int CachedCopiesDamaged,
    int FilesLost,
    IReadOnlyList<SyncFileResult> Details,
    [property: JsonIgnore] int Target,
    [property: JsonIgnore] int MinCopies)
{
    /// <summary>Records of copies written to the hosts' journals this run.</summary>
    public int JournalRecordsWritten { get; init; }

    /// <summary>Hosts whose journal could not be written this run (their records are written at the next sync).</summary>
    public IReadOnlyList<string> JournalFailures { get; init; } = [];

    public static SyncResult From(SyncReport report, int target, int minCopies) => new(
        report.Files.Count,
        report.CopiesMade,
        report.FailedAttempts,
        report.FilesMadeSafe,
        report.FilesStillPending,
        report.BytesSent,
        report.CachedCopiesDamaged,
        report.FilesLost,
        [.. report.Files.Select(SyncFileResult.From)],
        target,
        minCopies)
    {
        JournalRecordsWritten = report.JournalRecordsWritten,
        JournalFailures = report.JournalFailures,
    };
}

/// <summary>One file of a sync: its copies before and after, and every attempt.</summary>
internal sealed record SyncFileResult(
    string Hash, string Name, long Size, int CopiesBefore, int CopiesAfter, bool Safe, bool CachedCopyDamaged, bool Lost, string? QuarantinePath, IReadOnlyList<SyncAttemptResult> Attempts)
{
    public static SyncFileResult From(FileSyncReport file) => new(
        file.Hash.ToString(),
        file.Name,
        file.Size,
        file.CopiesBefore,
        file.CopiesAfter,
        file.IsSafe,
        file.CachedCopyDamaged,
        file.IsLost,
        file.QuarantinePath,
        [.. file.Attempts.Select(a => new SyncAttemptResult(a.HostName, a.Succeeded, a.IsRetry, a.Error))]);
}

/// <summary>One attempt to copy a file to a host.</summary>
internal sealed record SyncAttemptResult(string Host, bool Succeeded, bool Retry, string? Error);
