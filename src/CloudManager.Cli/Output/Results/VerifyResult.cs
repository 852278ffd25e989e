using System.Text.Json.Serialization;

namespace CloudManager.Cli.Output.Results;

/// <summary>What <c>cm verify</c> returns: the totals of <see cref="VerifyReport"/> and each file; the minimum is for the text only.</summary>
internal sealed record VerifyResult(
    bool Deep,
    int Files,
    int LostCopies,
    int UncheckedCopies,
    int FilesBelowMinimum,
    int LostFiles,
    long LostBytes,
    IReadOnlyList<VerifyFileResult> Details,
    [property: JsonIgnore] int MinCopies)
{
    public static VerifyResult From(VerifyReport report, int minCopies) => new(
        report.Deep,
        report.Files.Count,
        report.LostCopies,
        report.UncheckedCopies,
        report.FilesBelowMinimum,
        report.LostFiles,
        report.Files.Where(f => f.IsLost).Sum(f => f.Size),
        [.. report.Files.Select(VerifyFileResult.From)],
        minCopies);
}

/// <summary>One file as verified, with the check of each copy.</summary>
internal sealed record VerifyFileResult(string Hash, string Name, long Size, int GoodCopies, bool Safe, bool Lost, IReadOnlyList<VerifyCopyResult> Copies)
{
    public static VerifyFileResult From(FileVerification file) => new(
        file.Hash.ToString(),
        file.Name,
        file.Size,
        file.GoodCopies,
        file.IsSafe,
        file.IsLost,
        [.. file.Copies.Select(c => new VerifyCopyResult(c.HostName, Word(c.Result), c.Detail))]);

    /// <summary>The check's outcome in one word: good, missing, damaged, unreachable, not-configured, unconfirmed.</summary>
    public static string Word(CopyCheck result) => result switch
    {
        CopyCheck.Good => "good",
        CopyCheck.Missing => "missing",
        CopyCheck.Damaged => "damaged",
        CopyCheck.Unreachable => "unreachable",
        CopyCheck.Unconfirmed => "unconfirmed",
        _ => "not-configured",
    };
}

/// <summary>One copy as checked: <c>result</c> is good, missing, damaged, unreachable, not-configured or unconfirmed (a link from another node to a host this node does not have).</summary>
internal sealed record VerifyCopyResult(string Host, string Result, string? Detail);
