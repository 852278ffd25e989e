using System.Diagnostics;
using System.Globalization;
using System.Text;
using CloudManager.CachePolicy;
using CloudManager.Eviction;

// Replays traces through the library's eviction policies and prints (and optionally records) byte
// and object miss ratios. See bench/README.md.
var quick = args.Contains("--quick");
var tracePath = ValueOf("--trace") ?? Environment.GetEnvironmentVariable("CM_POLICY_TRACE") ?? "/work/shared/traces/cloudPhysicsIO.oracleGeneral.bin";
var resultsPath = ValueOf("--results");
var command = "bench/cache-policy " + string.Join(' ', args);

var traces = new List<(RequestTrace Trace, bool HasReference)>();
if (File.Exists(tracePath))
{
    traces.Add((RequestTrace.ReadOracleGeneral(tracePath), true));
}
else
{
    Console.Error.WriteLine($"cache-policy: no trace at {tracePath} (give --trace PATH); replaying the synthetic traces only.");
}

traces.Add((SyntheticTraces.Zipf(seed: 1), false));
traces.Add((SyntheticTraces.ScanWithHotSet(seed: 2), false));
var shares = quick ? [0.10] : Replay.StandardShares;
if (quick)
{
    traces = traces.Select(t => (t.Trace.Prefix(QuickRequests.Count), t.HasReference)).ToList();
}

var report = new StringBuilder();
var watch = Stopwatch.StartNew();
foreach (var (trace, hasReference) in traces)
{
    var results = EvictionPolicies.All.Select(p => shares.Select(s => Replay.Run(trace, p, s)).ToList()).ToList();
    report.Append(ResultsTable.Render(trace, shares, results, hasReference && !quick));
}

var text = report.ToString();
Console.Write(text);
Console.Error.WriteLine($"cache-policy: replayed in {watch.Elapsed.TotalSeconds:F1} s");
if (resultsPath is not null)
{
    var section = new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"\n## Cache eviction policies, trace replay ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)\n\n")
        .Append(CultureInfo.InvariantCulture, $"Machine: {Machine.Describe()}. Command: `{command}` (replay took {watch.Elapsed.TotalSeconds:F0} s).\n\n")
        .Append(text);
    File.AppendAllText(resultsPath, section.ToString());
}

string? ValueOf(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>How much of each trace the quick mode replays.</summary>
internal static class QuickRequests
{
    /// <summary>The first this many requests.</summary>
    public const int Count = 20_000;
}
