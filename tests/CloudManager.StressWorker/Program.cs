// One process of a multi-process stress run: opens a pool on a shared catalog and shared directory
// hosts, performs seeded mixed operations on several threads, and checks what it can see from the
// inside: with one thread on its own cache folder, the catalog's meters against its own account of
// the bytes each operation must meter; with several threads or a cache folder shared by several
// processes (where no process can account alone), that the meters never go backwards.
//
// Usage: CloudManager.StressWorker CATALOG STORAGE HOSTS_ROOT SEED OPERATIONS [--threads N] [--seconds S] [--capacity BYTES]
//   CATALOG     a postgres:// URI or connection string, or a SQLite path
//   HOSTS_ROOT  a folder holding host-1, host-2, host-3
//   OPERATIONS  operations per thread (0: no limit, run for --seconds)
// Prints one JSON line (counts, unexpected errors, the hashes it uploaded); exit code 0 when every
// check passed, 1 when one did not.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CloudManager;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.StressWorker;

if (args.Length < 5 || args.Length % 2 == 0)
{
    Console.Error.WriteLine("usage: CloudManager.StressWorker CATALOG STORAGE HOSTS_ROOT SEED OPERATIONS [--threads N] [--seconds S] [--capacity BYTES]");
    return 2;
}

var (catalogSpec, storage, hostsRoot) = (args[0], args[1], args[2]);
var seed = int.Parse(args[3], CultureInfo.InvariantCulture);
var operations = int.Parse(args[4], CultureInfo.InvariantCulture);
var flags = Enumerable.Range(0, (args.Length - 5) / 2).ToDictionary(i => args[5 + (2 * i)], i => args[6 + (2 * i)], StringComparer.Ordinal);
var threads = int.Parse(flags.GetValueOrDefault("--threads", "1"), CultureInfo.InvariantCulture);
var duration = flags.TryGetValue("--seconds", out var seconds) ? TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)) : (TimeSpan?)null;
var capacity = long.Parse(flags.GetValueOrDefault("--capacity", (256L << 20).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

ICatalog catalog = PostgresCatalog.IsPostgresUri(catalogSpec) || catalogSpec.Contains("Host=", StringComparison.Ordinal)
    ? PostgresCatalog.Open(catalogSpec)
    : new SqliteCatalog(catalogSpec);
var options = new CloudPoolOptions { Catalog = catalog, StoragePath = storage, CapacityBytes = capacity };
for (var i = 1; i <= 3; i++)
{
    options.Hosts.Add(new DirectoryHost($"host-{i}", Path.Combine(hostsRoot, $"host-{i}")));
}

await using var pool = await CloudPool.OpenAsync(options);
var scratch = Path.Combine(storage, "..", $"stress-scratch-{seed}");
Directory.CreateDirectory(scratch);
var clock = Stopwatch.StartNew();
var workers = Enumerable.Range(0, threads)
    .Select(t => new StressThread(pool, new Random((seed * 1000) + t), Path.Combine(scratch, $"thread-{t}"), exactMeter: threads == 1))
    .ToList();
await Task.WhenAll(workers.Select(w => Task.Run(() => w.RunAsync(operations, duration is { } d ? clock.Elapsed + d : null))));

var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
foreach (var (kind, count) in workers.SelectMany(w => w.Counts))
{
    counts[kind] = counts.GetValueOrDefault(kind) + count;
}

var slowest = new SortedDictionary<string, long>(StringComparer.Ordinal);
foreach (var (kind, milliseconds) in workers.SelectMany(w => w.SlowestMilliseconds))
{
    slowest[kind] = Math.Max(slowest.GetValueOrDefault(kind), milliseconds);
}

var errors = workers.SelectMany(w => w.Errors).ToList();
var incoming = await pool.TotalIncomingAsync();
var outgoing = await pool.TotalOutgoingAsync();
var expectedIncoming = workers.Sum(w => w.ExpectedIncoming);
var expectedOutgoing = workers.Sum(w => w.ExpectedOutgoing);
if (threads == 1 && (incoming != expectedIncoming || outgoing != expectedOutgoing))
{
    errors.Add($"meters: in {incoming} (expected {expectedIncoming}), out {outgoing} (expected {expectedOutgoing})");
}

var ok = errors.Count == 0;
Console.WriteLine(JsonSerializer.Serialize(new
{
    node = await pool.GetNodeIdAsync(),
    operations = counts.Values.Sum(),
    threads,
    seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
    counts,
    slowest,
    incoming,
    expectedIncoming,
    outgoing,
    expectedOutgoing,
    ok,
    errors = errors.Take(20),
    uploaded = workers.SelectMany(w => w.Uploaded).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal),
}));
Directory.Delete(scratch, recursive: true);
return ok ? 0 : 1;

namespace CloudManager.StressWorker
{
    /// <summary>One thread of mixed operations on a shared pool, keeping its own account and its own error list.</summary>
    internal sealed class StressThread(CloudPool pool, Random random, string scratch, bool exactMeter)
    {
        private const int DistinctContents = 60;
        private TransferTotals _lastMeter;

        public Dictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

        public ConcurrentBag<string> Errors { get; } = [];

        /// <summary>The longest each kind of operation took, in milliseconds.</summary>
        public Dictionary<string, long> SlowestMilliseconds { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Uploaded { get; } = new(StringComparer.Ordinal);

        public long ExpectedIncoming { get; private set; }

        public long ExpectedOutgoing { get; private set; }

        public async Task RunAsync(int operations, TimeSpan? until)
        {
            Directory.CreateDirectory(scratch);
            var clock = Stopwatch.StartNew();
            for (var op = 0; (operations == 0 || op < operations) && (until is null || clock.Elapsed < until); op++)
            {
                var kind = Pick();
                var started = clock.Elapsed;
                try
                {
                    await RunAsync(kind);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Errors.Add($"{kind}: {e.GetType().Name}: {e.Message}");
                }

                Counts[kind] = Counts.GetValueOrDefault(kind) + 1;
                var took = (long)(clock.Elapsed - started).TotalMilliseconds;
                SlowestMilliseconds[kind] = Math.Max(SlowestMilliseconds.GetValueOrDefault(kind), took);
            }
        }

        // Every worker draws from the same contents, so files collide across threads and nodes on purpose.
        private static byte[] Content(int index)
        {
            var bytes = new byte[1 + (index * 7919 % 20_000)];
            new Random(index).NextBytes(bytes);
            return bytes;
        }

        private async Task<(string Hash, long Size)?> PickKnownAsync()
        {
            var files = await pool.ListFilesAsync(limit: 1000);
            return files.Count == 0 ? null : files[random.Next(files.Count)] is var f ? (f.File.Hash.ToString(), f.File.Size) : null;
        }

        private string Pick() =>
            // The single-threaded mix is the one the exact meter check was written for; threads add pins, exports and imports.
            random.Next(exactMeter ? 100 : 120) switch
            {
                < 35 => "upload",
                < 55 => "sync",
                < 70 => "warm-up",
                < 80 => "evict",
                < 90 => "info",
                < 100 => "download",
                < 106 => "pin",
                < 112 => "dump-load",
                _ => "status",
            };

        private async Task RunAsync(string kind)
        {
            switch (kind)
            {
                case "upload":
                    await UploadAsync();
                    break;
                case "sync":
                    ExpectedOutgoing += (await pool.SyncAsync()).BytesSent;
                    break;
                case "warm-up":
                    await WarmUpAsync();
                    break;
                case "evict":
                    await EvictAsync();
                    break;
                case "info":
                    await InfoAsync();
                    break;
                case "download":
                    await DownloadAsync();
                    break;
                case "pin":
                    await PinAsync();
                    break;
                case "dump-load":
                    await ExportAndImportAsync();
                    break;
                default:
                    await CheckMeterAsync();
                    break;
            }
        }

        private async Task UploadAsync()
        {
            var bytes = Content(random.Next(DistinctContents));
            var hash = ContentHash.Compute(bytes).ToString();
            var path = Path.Combine(scratch, hash);
            if (!File.Exists(path))
            {
                await File.WriteAllBytesAsync(path, bytes);
            }

            var cachedBefore = await pool.OnCacheAsync(hash);
            try
            {
                if (await pool.UploadAsync(path) != hash)
                {
                    throw new InvalidOperationException($"upload of {path} returned another hash");
                }
            }
            catch (CacheFullException) when (!exactMeter)
            {
                // Every other cached file is pinned or pending: refused, as it must be.
                return;
            }

            Uploaded.Add(hash);
            ExpectedIncoming += cachedBefore ? 0 : bytes.Length;
        }

        private async Task WarmUpAsync()
        {
            if (await PickKnownAsync() is not { } known)
            {
                return;
            }

            var cachedBefore = await pool.OnCacheAsync(known.Hash);
            try
            {
                await pool.WarmUpAsync(known.Hash);
                ExpectedIncoming += cachedBefore ? 0 : known.Size;
            }
            catch (ContentUnavailableException)
            {
                // Uploaded by another node and not yet synced there: nothing to fetch yet.
            }
            catch (CacheFullException) when (!exactMeter)
            {
            }
        }

        private async Task EvictAsync()
        {
            if (await PickKnownAsync() is not { } known)
            {
                return;
            }

            try
            {
                await pool.EvictAsync(known.Hash);
            }
            catch (InvalidOperationException)
            {
                // Not yet safe or pinned: refused, as it must be.
            }
        }

        private async Task InfoAsync()
        {
            if (await PickKnownAsync() is not { } known)
            {
                return;
            }

            var info = await pool.InfoAsync(known.Hash) ?? throw new InvalidOperationException($"{known.Hash} listed but has no info");
            if (info.FileSize != known.Size || !await pool.ExistsAsync(known.Hash))
            {
                throw new InvalidOperationException($"{known.Hash}: info disagrees with the listing");
            }
        }

        private async Task DownloadAsync()
        {
            if (await PickKnownAsync() is not { } known)
            {
                return;
            }

            var cachedBefore = await pool.OnCacheAsync(known.Hash);
            var target = Path.Combine(scratch, "out.bin");
            try
            {
                await pool.DownloadAsync(known.Hash, target, overwrite: true);
                ExpectedIncoming += cachedBefore ? 0 : known.Size;
                ExpectedOutgoing += known.Size;
            }
            catch (ContentUnavailableException)
            {
                return;
            }
            catch (CacheFullException) when (!exactMeter)
            {
                return;
            }

            if (new FileInfo(target).Length != known.Size || ContentHash.Compute(await File.ReadAllBytesAsync(target)).ToString() != known.Hash)
            {
                throw new InvalidOperationException($"{known.Hash}: the downloaded bytes do not match the hash");
            }
        }

        private async Task PinAsync()
        {
            if (await PickKnownAsync() is { } known)
            {
                // Pins are short-lived here so that the cache does not fill with them for good.
                await pool.PinAsync(known.Hash);
                await pool.UnpinAsync(known.Hash);
            }
        }

        private async Task ExportAndImportAsync()
        {
            if (await pool.DataDumpAsync(16_000) is { } json)
            {
                await pool.DataLoadAsync(json, $"stress-{random.Next(1000)}");
            }
        }

        private async Task CheckMeterAsync()
        {
            var meter = new TransferTotals(await pool.TotalIncomingAsync(), await pool.TotalOutgoingAsync());
            if (meter.Incoming < _lastMeter.Incoming || meter.Outgoing < _lastMeter.Outgoing)
            {
                throw new InvalidOperationException($"the transfer meter went backwards: {_lastMeter} -> {meter}");
            }

            _lastMeter = meter;
            await pool.UploadQueueInfoAsync();
            await pool.UsedSpaceAsync();
        }
    }
}
