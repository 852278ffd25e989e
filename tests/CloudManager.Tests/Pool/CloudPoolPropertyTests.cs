using CloudManager.Catalog;
using CloudManager.Eviction;
using CloudManager.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Pool;

/// <summary>
/// Random sequences of upload, sync, warm-up, eviction and host failures never break the capacity
/// rule, never lose a file that is not safe, and keep the used-bytes figure equal to what is on disk.
/// </summary>
public sealed class CloudPoolPropertyTests
{
    private const long Capacity = 40_000;

    private enum Kind
    {
        Upload,
        Sync,
        WarmUp,
        Evict,
        BreakHost,
        RepairHost,
        Pin,
        Unpin,
    }

    private sealed record Step(Kind Kind, int Argument, int Size);

    private static Gen<Step> StepGen =>
        from kind in Gen.Frequency(
            (6, Gen.Constant(Kind.Upload)),
            (3, Gen.Constant(Kind.Sync)),
            (4, Gen.Constant(Kind.WarmUp)),
            (2, Gen.Constant(Kind.Evict)),
            (1, Gen.Constant(Kind.BreakHost)),
            (2, Gen.Constant(Kind.RepairHost)),
            (1, Gen.Constant(Kind.Pin)),
            (1, Gen.Constant(Kind.Unpin)))
        from argument in Gen.Choose(0, 1000)
        from size in Gen.Choose(0, 12_000)
        select new Step(kind, argument, size);

    [Fact]
    public void Random_operations_keep_the_capacity_rule_and_lose_nothing()
    {
        var property = Prop.ForAll(
            Arb.From(Gen.ListOf(StepGen).Select(steps => steps.ToArray())),
            steps => RunAsync(steps).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), property);
    }

    private static async Task<bool> RunAsync(Step[] steps)
    {
        await using var harness = new PoolHarness();
        var hosts = harness.NewHosts();
        var pool = harness.Open(capacity: Capacity, policy: EvictionPolicies.Default, hosts: hosts);
        var uploaded = new Dictionary<string, byte[]>();
        var seed = 0;
        foreach (var step in steps)
        {
            var known = uploaded.Keys.Order().ToList();
            var pick = known.Count == 0 ? null : known[step.Argument % known.Count];
            switch (step.Kind)
            {
                case Kind.Upload:
                    var path = harness.WriteFile($"f{seed}", step.Size, seed++);
                    try
                    {
                        var hash = await pool.UploadAsync(path);
                        uploaded[hash] = File.ReadAllBytes(path);
                    }
                    catch (CacheFullException)
                    {
                    }

                    break;
                case Kind.Sync:
                    await pool.SyncAsync();
                    break;
                case Kind.WarmUp when pick is not null:
                    try
                    {
                        var cached = await pool.WarmUpAsync(pick);
                        Assert.Equal(uploaded[pick], File.ReadAllBytes(cached));
                    }
                    catch (Exception e) when (e is CacheFullException or ContentUnavailableException)
                    {
                    }

                    break;
                case Kind.Evict when pick is not null:
                    try
                    {
                        await pool.EvictAsync(pick);
                    }
                    catch (InvalidOperationException)
                    {
                    }

                    break;
                case Kind.BreakHost:
                    hosts[step.Argument % hosts.Count].FailUploads = true;
                    hosts[step.Argument % hosts.Count].FailReads = true;
                    break;
                case Kind.RepairHost:
                    hosts[step.Argument % hosts.Count].FailUploads = false;
                    hosts[step.Argument % hosts.Count].FailReads = false;
                    break;
                case Kind.Pin when pick is not null:
                    await pool.PinAsync(pick);
                    break;
                case Kind.Unpin when pick is not null:
                    await pool.UnpinAsync(pick);
                    break;
            }

            await CheckInvariantsAsync(pool, harness, uploaded);
        }

        return true;
    }

    private static async Task CheckInvariantsAsync(CloudPool pool, PoolHarness harness, Dictionary<string, byte[]> uploaded)
    {
        var used = await pool.UsedSpaceAsync();
        Assert.True(used <= pool.CacheLimit, $"used {used} > limit {pool.CacheLimit}");
        var onDisk = Directory.EnumerateFiles(Path.Combine(harness.Storage, "objects"), "*", SearchOption.AllDirectories).ToList();
        Assert.Equal(used, onDisk.Sum(f => new FileInfo(f).Length));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories));
        foreach (var (hash, bytes) in uploaded)
        {
            var file = await pool.Catalog.FindFileAsync(ContentHash.Parse(hash), CancellationToken.None);
            Assert.NotNull(file);
            var cached = await pool.OnCacheAsync(hash);
            Assert.True(cached || file.StoredCopies >= pool.Options.MinCopies, $"{hash} is neither cached nor safe");
            if (!cached)
            {
                var stored = (await pool.Catalog.GetCopiesAsync(file.Hash, CancellationToken.None)).Count(c => c.State == CopyState.Stored);
                Assert.True(stored >= pool.Options.MinCopies);
                var onHosts = harness.HostFolders.Count(folder => File.Exists(Path.Combine(folder, hash[..2], hash)));
                Assert.True(onHosts >= pool.Options.MinCopies, $"{hash} is evicted but only {onHosts} host folders hold it");
            }
            else
            {
                Assert.Equal(bytes.Length, new FileInfo(Path.Combine(harness.Storage, "objects", hash[..2], hash)).Length);
            }
        }
    }
}
