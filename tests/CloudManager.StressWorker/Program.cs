// One node of a multi-process stress run: opens a pool on a shared catalog and shared directory
// hosts, performs seeded mixed operations, keeps its own account of the bytes each operation must
// meter, and checks the catalog's meters against it at the end.
//
// Usage: CloudManager.StressWorker CATALOG STORAGE HOSTS_ROOT SEED OPERATIONS
//   CATALOG     a postgres:// URI or connection string, or a SQLite path
//   HOSTS_ROOT  a folder holding host-1, host-2, host-3
// Prints one JSON line; exit code 0 when the meters match, 1 when they do not.
using System.Text.Json;
using CloudManager;
using CloudManager.Catalog;
using CloudManager.Hosts;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: CloudManager.StressWorker CATALOG STORAGE HOSTS_ROOT SEED OPERATIONS");
    return 2;
}

var (catalogSpec, storage, hostsRoot) = (args[0], args[1], args[2]);
var seed = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
var operations = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
const int DistinctContents = 60;

ICatalog catalog = PostgresCatalog.IsPostgresUri(catalogSpec) || catalogSpec.Contains("Host=", StringComparison.Ordinal)
    ? PostgresCatalog.Open(catalogSpec)
    : new SqliteCatalog(catalogSpec);
var options = new CloudPoolOptions { Catalog = catalog, StoragePath = storage, CapacityBytes = 256L << 20 };
for (var i = 1; i <= 3; i++)
{
    options.Hosts.Add(new DirectoryHost($"host-{i}", Path.Combine(hostsRoot, $"host-{i}")));
}

await using var pool = await CloudPool.OpenAsync(options);
var random = new Random(seed);
var scratch = Path.Combine(storage, "..", $"stress-scratch-{seed}");
Directory.CreateDirectory(scratch);
long expectedIncoming = 0, expectedOutgoing = 0;
var counts = new Dictionary<string, int>();

// Every worker draws from the same contents, so files collide across nodes on purpose.
static byte[] Content(int index)
{
    var bytes = new byte[1 + (index * 7919 % 20_000)];
    new Random(index).NextBytes(bytes);
    return bytes;
}

async Task<(string Hash, long Size)?> PickKnownAsync()
{
    var files = await pool.ListFilesAsync(limit: 1000);
    return files.Count == 0 ? null : files[random.Next(files.Count)] is var f ? (f.File.Hash.ToString(), f.File.Size) : null;
}

for (var op = 0; op < operations; op++)
{
    var roll = random.Next(100);
    string kind;
    switch (roll)
    {
        case < 35:
            {
                kind = "upload";
                var bytes = Content(random.Next(DistinctContents));
                var hash = ContentHash.Compute(bytes).ToString();
                var path = Path.Combine(scratch, hash);
                if (!File.Exists(path))
                {
                    await File.WriteAllBytesAsync(path, bytes);
                }

                var cachedBefore = await pool.OnCacheAsync(hash);
                if (await pool.UploadAsync(path) != hash)
                {
                    throw new InvalidOperationException($"upload of {path} returned another hash");
                }

                expectedIncoming += cachedBefore ? 0 : bytes.Length;
                break;
            }

        case < 55:
            kind = "sync";
            expectedOutgoing += (await pool.SyncAsync()).BytesSent;
            break;
        case < 70:
            {
                kind = "warm-up";
                if (await PickKnownAsync() is { } known)
                {
                    var cachedBefore = await pool.OnCacheAsync(known.Hash);
                    try
                    {
                        await pool.WarmUpAsync(known.Hash);
                        expectedIncoming += cachedBefore ? 0 : known.Size;
                    }
                    catch (ContentUnavailableException)
                    {
                        // Uploaded by another node and not yet synced there: nothing to fetch yet.
                    }
                }

                break;
            }

        case < 80:
            {
                kind = "evict";
                if (await PickKnownAsync() is { } known)
                {
                    try
                    {
                        await pool.EvictAsync(known.Hash);
                    }
                    catch (InvalidOperationException)
                    {
                        // Not yet safe or pinned: refused, as it must be.
                    }
                }

                break;
            }

        case < 90:
            {
                kind = "info";
                if (await PickKnownAsync() is { } known)
                {
                    var info = await pool.InfoAsync(known.Hash) ?? throw new InvalidOperationException($"{known.Hash} listed but has no info");
                    if (info.FileSize != known.Size || !await pool.ExistsAsync(known.Hash))
                    {
                        throw new InvalidOperationException($"{known.Hash}: info disagrees with the listing");
                    }
                }

                break;
            }

        default:
            {
                kind = "download";
                if (await PickKnownAsync() is { } known)
                {
                    var cachedBefore = await pool.OnCacheAsync(known.Hash);
                    var target = Path.Combine(scratch, "out.bin");
                    try
                    {
                        await pool.DownloadAsync(known.Hash, target, overwrite: true);
                        expectedIncoming += cachedBefore ? 0 : known.Size;
                        expectedOutgoing += known.Size;
                    }
                    catch (ContentUnavailableException)
                    {
                    }
                }

                break;
            }
    }

    counts[kind] = counts.GetValueOrDefault(kind) + 1;
}

var incoming = await pool.TotalIncomingAsync();
var outgoing = await pool.TotalOutgoingAsync();
var ok = incoming == expectedIncoming && outgoing == expectedOutgoing;
Console.WriteLine(JsonSerializer.Serialize(new
{
    node = await pool.GetNodeIdAsync(),
    operations,
    counts,
    incoming,
    expectedIncoming,
    outgoing,
    expectedOutgoing,
    ok,
}));
Directory.Delete(scratch, recursive: true);
return ok ? 0 : 1;
