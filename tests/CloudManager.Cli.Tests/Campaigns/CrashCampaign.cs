using System.Diagnostics;
using System.Globalization;
using CloudManager.Catalog;
using CloudManager.Exchange;
using CloudManager.Testing;

namespace CloudManager.Cli.Tests.Campaigns;

/// <summary>What a crash campaign did and found.</summary>
internal sealed record CrashCampaignResult(
    int Seed,
    int Kills,
    int Completed,
    IReadOnlyDictionary<string, int> KillsByOperation,
    IReadOnlyDictionary<string, int> CompletedByOperation,
    int Checks,
    int RepairsOnReopen,
    IReadOnlyList<string> Violations,
    TimeSpan Elapsed)
{
    public string Summary =>
        string.Create(CultureInfo.InvariantCulture,
            $"crash campaign seed {Seed}: {Kills} kills ({Describe(KillsByOperation)}), {Completed} runs finished before their kill ({Describe(CompletedByOperation)}), " +
            $"{Checks} invariant checks, {RepairsOnReopen} reopenings repaired leftovers, {Violations.Count} violations, {Elapsed.TotalSeconds:F0} s");

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
}

/// <summary>
/// Runs the real cm process and kills it with SIGKILL at a random moment of an upload (small files
/// and a large one), a sync, a warm-up, an eviction or an import, then reopens the pool and checks
/// <see cref="PoolInvariants"/> after every kill. Seeded: the operations, the files and the delays
/// follow from the seed.
/// </summary>
internal sealed class CrashCampaign : IDisposable
{
    private const int BigContents = 3;
    private static readonly string[] Operations = ["upload", "upload-big", "sync", "warm-up", "evict", "load"];
    private static readonly int[] Weights = [25, 10, 25, 15, 10, 15];

    private readonly CmSandbox _sandbox = new();
    private readonly int _seed;
    private readonly int _kills;
    private readonly long _bigBytes;
    private readonly Random _random;
    private readonly string _config;
    private readonly string _catalog;
    private readonly string _cache;
    private readonly Dictionary<string, string> _hosts;
    private readonly long _capacity;
    private readonly Dictionary<string, TimeSpan> _measured = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reportedUploads = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reportedSafe = new(StringComparer.Ordinal);
    private readonly List<IReadOnlyCollection<string>> _importBatches = [];
    private readonly HashSet<ContentHash> _imported = [];
    private readonly List<string> _smallFiles = [];
    private int _inputs;
    private TimeSpan _startup;

    public CrashCampaign(int seed, int kills, long bigBytes)
    {
        (_seed, _kills, _bigBytes) = (seed, kills, bigBytes);
        _random = new Random(seed);
        var pool = Path.Combine(_sandbox.Root, "pool");
        _catalog = Path.Combine(pool, "catalog.db");
        _cache = Path.Combine(pool, "cache");
        _hosts = Enumerable.Range(1, 3).ToDictionary(i => $"host-{i}", i => Path.Combine(pool, $"host-{i}"), StringComparer.Ordinal);
        // Two large files fit, a third makes the cache evict.
        _capacity = (_bigBytes * 5 / 2) + (16L << 20);
        _config = Path.Combine(_sandbox.Work, "cloudmanager.json");
    }

    public async Task<CrashCampaignResult> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await PrepareAsync(cancellationToken);
        var killsBy = Operations.ToDictionary(o => o, _ => 0, StringComparer.Ordinal);
        var completedBy = Operations.ToDictionary(o => o, _ => 0, StringComparer.Ordinal);
        var violations = new List<string>();
        int kills = 0, completed = 0, checks = 0, repairs = 0;
        TransferTotals? meter = null;
        for (var round = 0; kills < _kills && round < _kills * 6; round++)
        {
            var operation = Pick();
            var args = await ArgumentsForAsync(operation, cancellationToken);
            if (args is null)
            {
                continue;
            }

            TimeSpan? killAfter = _measured.TryGetValue(operation, out var measured) ? KillDelay(measured) : null;
            var run = await KillableRun.StartAsync(_sandbox.CmStartInfo(["--config", _config, .. args.Command]), killAfter, cancellationToken);
            Record(operation, run);
            if (args.ImportBatch is { } batch && (run.Killed || run.ExitCode == 0))
            {
                _importBatches.Add(batch);
            }

            if (!run.Killed)
            {
                completed++;
                completedBy[operation]++;
                _measured[operation] = run.Elapsed;
                if (!IsExpected(operation, run.ExitCode))
                {
                    violations.Add($"round {round}: cm {string.Join(' ', args.Command)} exited {run.ExitCode}: {run.Stderr}");
                }

                continue;
            }

            kills++;
            killsBy[operation]++;
            var report = await PoolInvariants.CheckAsync(
                Under(meter),
                cancellationToken);
            checks++;
            repairs += report.Reconciliation.WasClean ? 0 : 1;
            meter = report.Meter;
            violations.AddRange(report.Violations.Select(v => $"kill {kills} ({operation} after {killAfter!.Value.TotalMilliseconds:F0} ms): {v}"));
        }

        violations.AddRange(await FinishAsync(meter, cancellationToken));
        return new CrashCampaignResult(_seed, kills, completed, killsBy, completedBy, checks, repairs, violations, clock.Elapsed);
    }

    /// <summary>
    /// Lets the pool finish what the kills interrupted: a new file uploaded and synced to every host
    /// must leave everything safe and no abandoned partial copy in any host folder.
    /// </summary>
    private async Task<IEnumerable<string>> FinishAsync(TransferTotals? meter, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var command in new[] { new[] { "upload", WriteSmallFiles() }, ["sync"] })
        {
            var run = await KillableRun.StartAsync(_sandbox.CmStartInfo(["--config", _config, .. command]), null, cancellationToken);
            Record(command[0], run);
            if (run.ExitCode != 0)
            {
                problems.Add($"final cm {command[0]} exited {run.ExitCode}: {run.Stderr}");
            }
        }

        var report = await PoolInvariants.CheckAsync(
            Under(meter),
            cancellationToken);
        problems.AddRange(report.Violations.Select(v => $"after the final sync: {v}"));
        problems.AddRange(report.AbandonedHostUploads.Select(p => $"after the final sync, an abandoned partial copy remains on a host: {p}"));
        return problems;
    }

    /// <summary>The pool as the invariant checker sees it, held to everything the runs reported so far.</summary>
    private PoolUnderCheck Under(TransferTotals? meter) => new(_catalog, _cache, _hosts, _capacity)
    {
        ReportedUploads = _reportedUploads,
        ReportedSafe = _reportedSafe,
        ImportBatches = _importBatches,
        PreviousMeter = meter,
    };

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        foreach (var folder in _hosts.Values)
        {
            Directory.CreateDirectory(folder);
        }

        var hostList = string.Join(",\n", _hosts.Select(h => $$"""    { "name": "{{h.Key}}", "kind": "directory", "settings": { "path": "{{h.Value}}" } }"""));
        await File.WriteAllTextAsync(_config, $$"""
            {
              "catalog": "{{_catalog}}",
              "cache": "{{_cache}}",
              "capacity": "{{_capacity}}",
              "redundancy": 3,
              "minCopies": 2,
              "hosts": [
            {{hostList}}
              ]
            }
            """, cancellationToken);
        var setup = await _sandbox.RunAsync("setup-db", _catalog);
        if (setup.ExitCode != 0)
        {
            throw new InvalidOperationException($"cm setup-db failed: {setup}");
        }

        // What a command that opens the pool and does nothing else takes.
        _startup = TimeSpan.MaxValue;
        for (var i = 0; i < 2; i++)
        {
            var idle = await KillableRun.StartAsync(_sandbox.CmStartInfo(["--config", _config, "list"]), null, cancellationToken);
            _startup = idle.Elapsed < _startup ? idle.Elapsed : _startup;
        }
    }

    /// <summary>
    /// Each operation's first run measures it; later runs die at a random moment within that time.
    /// Most of a short command is the runtime starting: three kills in four land after that
    /// (past most of the time a command that does nothing takes), where the pool is at work.
    /// </summary>
    private TimeSpan KillDelay(TimeSpan measured)
    {
        var from = _random.Next(4) == 0 || measured <= _startup ? TimeSpan.Zero : _startup * 0.8;
        return from + ((measured - from) * _random.NextDouble());
    }

    private string Pick()
    {
        var roll = _random.Next(Weights.Sum());
        for (var i = 0; i < Operations.Length; i++)
        {
            roll -= Weights[i];
            if (roll < 0)
            {
                return Operations[i];
            }
        }

        return Operations[^1];
    }

    private sealed record Arguments(string[] Command, IReadOnlyCollection<string>? ImportBatch = null);

    private async Task<Arguments?> ArgumentsForAsync(string operation, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case "upload":
                return new Arguments(["upload", WriteSmallFiles()]);
            case "upload-big":
                return new Arguments(["upload", WriteBigFile(_random.Next(BigContents))]);
            case "sync":
                return new Arguments(["sync"]);
            case "warm-up":
                {
                    var evicted = (await ListAsync(cancellationToken)).Where(f => !f.Cached && f.File.StoredCopies > 0).ToList();
                    return evicted.Count == 0 ? null : new Arguments(["warm-up", PreferLarge(evicted).File.Hash.ToString()]);
                }

            case "evict":
                {
                    var cached = (await ListAsync(cancellationToken)).Where(f => f.Cached && f.File.StoredCopies >= 2).ToList();
                    return cached.Count == 0 ? null : new Arguments(["evict", PreferLarge(cached).File.Hash.ToString()]);
                }

            default:
                {
                    var (path, hashes) = WriteImport();
                    return new Arguments(["load", path, "--sync-id", Path.GetFileNameWithoutExtension(path)], hashes);
                }
        }
    }

    /// <summary>Half the time the largest candidate (the long transfers), otherwise any.</summary>
    private FileListing PreferLarge(List<FileListing> files) =>
        _random.Next(2) == 0 ? files.MaxBy(f => f.File.Size)! : files[_random.Next(files.Count)];

    private async Task<IReadOnlyList<FileListing>> ListAsync(CancellationToken cancellationToken)
    {
        var nodeIdPath = Path.Combine(_cache, "node-id");
        if (!File.Exists(nodeIdPath))
        {
            return [];
        }

        var nodeId = (await File.ReadAllTextAsync(nodeIdPath, cancellationToken)).Trim();
        await using var catalog = PoolInvariants.OpenCatalog(_catalog);
        var files = new List<FileListing>();
        ContentHash? after = null;
        while (true)
        {
            var page = await catalog.ListFilesAsync(nodeId, after, 1000, cancellationToken);
            files.AddRange(page.Where(f => !_imported.Contains(f.File.Hash)));
            if (page.Count < 1000)
            {
                return files;
            }

            after = page[^1].File.Hash;
        }
    }

    /// <summary>A new folder of 1 to 8 new small files, sometimes with a copy of one uploaded before.</summary>
    private string WriteSmallFiles()
    {
        var folder = Path.Combine(_sandbox.Work, $"in-{++_inputs}");
        Directory.CreateDirectory(folder);
        var count = _random.Next(1, 9);
        for (var i = 0; i < count; i++)
        {
            var bytes = new byte[_random.Next(1, 512 << 10)];
            _random.NextBytes(bytes);
            var path = Path.Combine(folder, $"file-{i}.bin");
            File.WriteAllBytes(path, bytes);
            _smallFiles.Add(path);
        }

        if (_smallFiles.Count > count && _random.Next(3) == 0)
        {
            File.Copy(_smallFiles[_random.Next(_smallFiles.Count - count)], Path.Combine(folder, "again.bin"));
        }

        return folder;
    }

    /// <summary>
    /// One of a few large contents, written sparse: zeros with seeded random blocks at the start, the
    /// middle and the end, so that each is distinct yet costs no time to create.
    /// </summary>
    private string WriteBigFile(int index)
    {
        var path = Path.Combine(_sandbox.Work, $"big-{index}.bin");
        if (File.Exists(path))
        {
            return path;
        }

        var marker = new byte[64 << 10];
        new Random(_seed * 31 + index).NextBytes(marker);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(_bigBytes);
            foreach (var offset in new[] { 0, _bigBytes / 2, _bigBytes - marker.Length })
            {
                stream.Position = offset;
                stream.Write(marker);
            }
        }

        return path;
    }

    /// <summary>Another node's records: new files whose copies are on that node's hosts.</summary>
    private (string Path, IReadOnlyCollection<string> Hashes) WriteImport()
    {
        var count = _random.Next(500, 3000);
        var hashBytes = new byte[ContentHash.ByteLength];
        var created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var records = new List<FilePayload>(count);
        for (var i = 0; i < count; i++)
        {
            _random.NextBytes(hashBytes);
            var hash = ContentHash.FromBytes(hashBytes);
            _imported.Add(hash);
            records.Add(new FilePayload(hash, _random.Next(1, 1 << 30), $"peer-{i}.dat", created,
                [new UploadLink("peer-a", $"https://peer-a.example/{hash}"), new UploadLink("peer-b", $"https://peer-b.example/{hash}")]));
        }

        var path = Path.Combine(_sandbox.Work, $"import-{++_inputs}.json");
        File.WriteAllText(path, PayloadJson.SerializeArray(records));
        return (path, records.Select(r => r.FileHash.ToString()).ToList());
    }

    /// <summary>What the process reported before it ended: uploads printed as "hash  path", files printed as safe by sync.</summary>
    private void Record(string operation, KillableRun run)
    {
        foreach (var line in run.Lines)
        {
            var parts = line.Split("  ", StringSplitOptions.None);
            if (parts.Length < 2 || !ContentHash.TryParse(parts[0], out _))
            {
                continue;
            }

            if (operation.StartsWith("upload", StringComparison.Ordinal) && parts[1].Length > 0)
            {
                _reportedUploads.Add(parts[0]);
            }
            else if (operation == "sync" && parts.Length >= 4 && parts[2] == "safe")
            {
                _reportedSafe.Add(parts[0]);
            }
        }
    }

    /// <summary>Exit codes a run may end with by itself: 3 is a refused eviction, 4 a full cache, 5 a file still pending.</summary>
    private static bool IsExpected(string operation, int exitCode) => exitCode switch
    {
        0 or 4 or 5 => true,
        3 => operation == "evict",
        _ => false,
    };

    public void Dispose() => _sandbox.Dispose();
}
