using System.Text.Json.Serialization;
using CloudManager.Cli.Commands;
using CloudManager.Hosts;

namespace CloudManager.Cli.Output.Results;

/// <summary>A host as <c>cm hosts</c> and <c>cm status</c> show it: its health word, the probe, its history and its settings (secrets redacted).</summary>
internal sealed record HostResult(
    string Name,
    string Kind,
    string Health,
    bool Reachable,
    string? ProbeError,
    long Copies,
    long Successes,
    long Failures,
    int ConsecutiveFailures,
    string? LastError,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    IReadOnlyDictionary<string, string> Settings,
    bool Journal)
{
    public static HostResult From(HostReport report) => new(
        report.Name,
        report.Kind,
        report.Health,
        report.ProbeError is null,
        report.ProbeError,
        report.Copies,
        report.History.Successes,
        report.History.Failures,
        report.History.ConsecutiveFailures,
        report.History.LastError,
        report.History.LastSuccessAt,
        report.History.LastFailureAt,
        new OrderedDictionary<string, string>(report.Settings, StringComparer.Ordinal),
        report.Journal);
}

/// <summary>What <c>cm hosts test</c> returns: each step of <see cref="HostSelfTestReport"/>; the test file's size is for the text only.</summary>
internal sealed record HostTestResult(string Host, string Kind, bool Passed, IReadOnlyList<HostTestStep> Steps, [property: JsonIgnore] long ContentLength)
{
    public static HostTestResult From(HostSelfTestReport report, long contentLength) => new(
        report.HostName,
        report.Kind,
        report.Passed,
        [.. report.Steps.Select(s => new HostTestStep(s.Name, s.Outcome.ToString().ToLowerInvariant(), Math.Round(s.Duration.TotalMilliseconds, 1), s.Detail, s.Duration))],
        contentLength);
}

/// <summary>One step of a host test: its outcome in lower case and its time (in JSON to a tenth of a millisecond).</summary>
internal sealed record HostTestStep(string Name, string Outcome, double Milliseconds, string Detail, [property: JsonIgnore] TimeSpan Duration);

/// <summary>What <c>cm hosts init</c> returns: the host and the identity it carries.</summary>
internal sealed record HostInitResult(string Host, string Id, DateTime CreatedAt);

/// <summary>What <c>cm hosts keygen</c> returns: the key file written and the id of its key.</summary>
internal sealed record KeygenResult(string File, string KeyId);
