using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using CloudManager.Testing;

namespace CloudManager.Cli.Tests.Campaigns;

/// <summary>What a concurrency campaign did and found.</summary>
internal sealed record ConcurrencyCampaignResult(
    string Backend,
    int Seed,
    int Processes,
    int Threads,
    TimeSpan Duration,
    long Operations,
    IReadOnlyDictionary<string, long> ByKind,
    IReadOnlyDictionary<string, long> SlowestMilliseconds,
    IReadOnlyList<string> Violations)
{
    public string Summary =>
        string.Create(CultureInfo.InvariantCulture,
            $"concurrency campaign on {Backend}, seed {Seed}: {Processes} processes x {Threads} threads for {Duration.TotalSeconds:F0} s, {Operations} operations " +
            $"({string.Join(", ", ByKind.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))}), " +
            $"slowest ms ({string.Join(", ", SlowestMilliseconds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))}), {Violations.Count} violations");
}

/// <summary>
/// Several stress worker processes, each running several threads of mixed operations, on one
/// catalog and one cache folder (so one node, shared by every process), for a fixed time; then
/// every worker's own checks and <see cref="PoolInvariants"/>.
/// </summary>
internal sealed class ConcurrencyCampaign(CmSandbox sandbox, string catalog, string backend, int seed, TimeSpan duration)
{
    public const int Processes = 4;
    public const int Threads = 8;

    // Smaller than the 60 contents the workers draw from, so that uploads and warm-ups have to evict.
    private const long Capacity = 512L << 10;

    private static string Worker { get; } = typeof(ConcurrencyCampaign).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "StressWorker").Value!;

    public async Task<ConcurrencyCampaignResult> RunAsync(CancellationToken cancellationToken)
    {
        var setup = await sandbox.RunAsync("setup-db", catalog);
        if (setup.ExitCode != 0)
        {
            throw new InvalidOperationException($"cm setup-db failed: {setup}");
        }

        var root = Path.Combine(sandbox.Root, "pool");
        var cache = Path.Combine(root, "cache");
        var hosts = Enumerable.Range(1, 3).ToDictionary(i => $"host-{i}", i => Path.Combine(root, "hosts", $"host-{i}"), StringComparer.Ordinal);
        foreach (var folder in hosts.Values)
        {
            Directory.CreateDirectory(folder);
        }

        var clock = Stopwatch.StartNew();
        var runs = await Task.WhenAll(Enumerable.Range(1, Processes).Select(process => sandbox.RunProcessAsync(
            CmSandbox.Dotnet,
            [
                Worker, catalog, cache, Path.Combine(root, "hosts"), ((seed * 10) + process).ToString(CultureInfo.InvariantCulture), "0",
                "--threads", Threads.ToString(CultureInfo.InvariantCulture),
                "--seconds", duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                "--capacity", Capacity.ToString(CultureInfo.InvariantCulture),
            ],
            stdin: null,
            workingDirectory: null)));
        var elapsed = clock.Elapsed;

        var violations = new List<string>();
        var uploaded = new HashSet<string>(StringComparer.Ordinal);
        var byKind = new Dictionary<string, long>(StringComparer.Ordinal);
        var slowest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (run.ExitCode is not (0 or 1) || run.Stdout.Length == 0)
            {
                violations.Add($"a worker crashed: {run}");
                continue;
            }

            using var report = JsonDocument.Parse(run.Stdout);
            foreach (var error in report.RootElement.GetProperty("errors").EnumerateArray())
            {
                violations.Add($"worker: {error.GetString()}");
            }

            foreach (var kind in report.RootElement.GetProperty("counts").EnumerateObject())
            {
                byKind[kind.Name] = byKind.GetValueOrDefault(kind.Name) + kind.Value.GetInt64();
            }

            foreach (var kind in report.RootElement.GetProperty("slowest").EnumerateObject())
            {
                slowest[kind.Name] = Math.Max(slowest.GetValueOrDefault(kind.Name), kind.Value.GetInt64());
            }

            uploaded.UnionWith(report.RootElement.GetProperty("uploaded").EnumerateArray().Select(h => h.GetString()!));
        }

        var check = await PoolInvariants.CheckAsync(new PoolUnderCheck(catalog, cache, hosts, Capacity) { ReportedUploads = uploaded }, cancellationToken);
        violations.AddRange(check.Violations);
        return new ConcurrencyCampaignResult(backend, seed, Processes, Threads, elapsed, byKind.Values.Sum(), byKind, slowest, violations);
    }
}
