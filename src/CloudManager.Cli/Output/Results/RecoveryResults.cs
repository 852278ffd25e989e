using CloudManager.Recovery;

namespace CloudManager.Cli.Output.Results;

/// <summary>What <c>cm recover</c> returns: each host read, the totals and every finding.</summary>
internal sealed record RecoverResult(
    IReadOnlyList<RecoverHostResult> Hosts, int FilesAdded, int FilesKnown, int CopiesRecorded, IReadOnlyList<FindingResult> Findings)
{
    public static RecoverResult From(RecoveryReport report) => new(
        [.. report.Hosts.Select(h => new RecoverHostResult(h.Name, h.HostId, h.Error is null, h.Records, h.Objects, h.Copies, h.Error, h.KeepsJournal))],
        report.FilesAdded,
        report.FilesKnown,
        report.CopiesRecorded,
        [.. report.Findings.Select(FindingResult.From)]);
}

/// <summary>One host during <c>cm recover</c>.</summary>
internal sealed record RecoverHostResult(string Name, string? HostId, bool Read, int Records, int Objects, int Copies, string? Error, bool KeepsJournal);

/// <summary>One finding of <c>cm recover</c> or <c>cm hosts scan</c>: kind (orphan, gone, wrong-size, unrecorded, damaged, refused, host-not-read), host, file and what was found.</summary>
internal sealed record FindingResult(string Kind, string Host, string? Hash, long? Size, string? Name, string Detail)
{
    public static FindingResult From(RecoveryFinding finding) =>
        new(finding.Kind, finding.Host, finding.Hash, finding.Size, finding.Name, finding.Detail);
}

/// <summary>What <c>cm hosts scan</c> returns.</summary>
internal sealed record HostScanResult(string Host, string HostId, bool Deep, int Objects, int CatalogCopies, IReadOnlyList<FindingResult> Findings)
{
    public static HostScanResult From(HostScanReport report) =>
        new(report.Host, report.HostId, report.Deep, report.Objects, report.CatalogCopies, [.. report.Findings.Select(FindingResult.From)]);
}
