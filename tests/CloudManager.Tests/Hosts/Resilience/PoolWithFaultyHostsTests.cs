using System.Diagnostics;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.Hosts.Resilience;
using CloudManager.Testing;

namespace CloudManager.Tests.Hosts.Resilience;

/// <summary>The pool over hosts that fail, hang or lie, each behind the resilience decorator as an application would wire it.</summary>
public sealed class PoolWithFaultyHostsTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(400);
    private PoolHarness _harness = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _harness = new PoolHarness(hostCount: 4);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Sync_reaches_the_redundancy_on_the_other_hosts_when_one_hangs()
    {
        var (faulty, hosts) = ResilientHosts();
        faulty[0].HangUploads = true;
        faulty[0].IgnoreCancellation = true;
        var pool = _harness.Open(capacity: 1 << 20, redundancy: 3, minCopies: 2, hosts: hosts);
        var clock = Stopwatch.StartNew();
        // Two files: the second goes to the least loaded hosts first, so the hung host is tried by then.
        foreach (var (name, seed) in new[] { ("a.bin", 1), ("b.bin", 2) })
        {
            var hash = await pool.UploadAsync(_harness.WriteFile(name, 50_000, seed), Token);
            var report = Assert.Single((await pool.SyncAsync(Token)).Files);
            Assert.Equal(3, report.CopiesAfter);
            Assert.DoesNotContain((await pool.InfoAsync(hash, Token))!.Uploads, u => u.HostName == "host-1" && !u.IsError);
        }

        Assert.True(faulty[0].Uploads >= 1);
        // Each attempt on the hung host costs one time limit, twice (one retry); the others are not held up.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"sync took {clock.Elapsed}");
    }

    [Fact]
    public async Task Download_falls_back_to_the_next_host_when_hosts_hang_or_fail()
    {
        var (faulty, hosts) = ResilientHosts();
        var pool = _harness.Open(capacity: 1 << 20, redundancy: 4, minCopies: 2, hosts: hosts);
        var source = _harness.WriteFile("a.bin", 200_000, 3);
        var hash = await pool.UploadAsync(source, Token);
        Assert.Equal(4, Assert.Single((await pool.SyncAsync(Token)).Files).CopiesAfter);
        Assert.True(await pool.EvictAsync(hash, Token));
        faulty[0].HangReads = true;
        faulty[0].IgnoreCancellation = true;
        faulty[1].HangReadsAfterBytes = 50_000;
        faulty[1].IgnoreCancellation = true;
        faulty[2].FailReads = true;
        // A recent failure ranks the one good host last, so every broken one is tried before it.
        await pool.Catalog.RecordHostResultAsync("host-4", "an earlier failure", _harness.Clock.GetUtcNow(), Token);

        var clock = Stopwatch.StartNew();
        var path = await pool.WarmUpAsync(hash, Token);

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"warm-up took {clock.Elapsed}");
        var health = await pool.HostHealthAsync(Token);
        foreach (var broken in faulty.Take(3))
        {
            Assert.True(broken.Reads >= 1);
            Assert.True(health.Single(h => h.HostName == broken.Name).ConsecutiveFailures > 0);
        }

        Assert.Equal(0, health.Single(h => h.HostName == "host-4").ConsecutiveFailures);
    }

    [Fact]
    public async Task Corrupt_or_truncated_copies_are_never_cached()
    {
        var (faulty, hosts) = ResilientHosts();
        var pool = _harness.Open(capacity: 1 << 20, redundancy: 4, minCopies: 2, hosts: hosts);
        var hash = await pool.UploadAsync(_harness.WriteFile("a.bin", 100_000, 4), Token);
        await pool.SyncAsync(Token);
        await pool.EvictAsync(hash, Token);
        faulty[0].CorruptReads = true;
        faulty[1].TruncateReads = true;
        faulty[2].CorruptReads = true;
        faulty[3].TruncateReads = true;

        var error = await Assert.ThrowsAsync<ContentUnavailableException>(() => pool.WarmUpAsync(hash, Token));

        Assert.Equal(4, error.Failures.Count);
        Assert.All(error.Failures, f => Assert.IsType<ContentIntegrityException>(f));
        Assert.False(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(0, await pool.UsedSpaceAsync(Token));
        Assert.Empty(Directory.EnumerateFiles(_harness.Storage, hash, SearchOption.AllDirectories));
        Assert.All(await pool.Catalog.GetCopiesAsync(ContentHash.Parse(hash), Token), c => Assert.Equal(CopyState.Damaged, c.State));
        // Damage is not retried: one read per host.
        Assert.All(faulty, f => Assert.Equal(1, f.Reads));
    }

    [Fact]
    public async Task Ranking_moves_away_from_a_failing_host_and_tries_it_again_after_the_cool_down()
    {
        var harness = new PoolHarness(hostCount: 3);
        await using var _ = harness;
        var hosts = harness.NewHosts();
        hosts[0].FailUploads = true;
        var pool = harness.Open(capacity: 1 << 20, redundancy: 2, minCopies: 1, hosts: hosts);

        // host-1 holds no copy, so the least-loaded rule brings it up by the second file at the latest.
        await SyncNewFileAsync(pool, harness, "a.bin", 1);
        await SyncNewFileAsync(pool, harness, "b.bin", 2);
        Assert.Equal(1, hosts[0].Uploads);

        // Failing and within the cool-down: ranked after the healthy hosts, not tried.
        await SyncNewFileAsync(pool, harness, "c.bin", 3);
        Assert.Equal(1, hosts[0].Uploads);

        // After the cool-down it ranks as healthy again; with the fewest copies it goes first.
        harness.Clock.Advance(pool.Options.HostCoolDown + TimeSpan.FromSeconds(1));
        hosts[0].FailUploads = false;
        var last = await SyncNewFileAsync(pool, harness, "d.bin", 4);
        Assert.Equal(2, hosts[0].Uploads);
        Assert.Contains((await pool.InfoAsync(last, Token))!.Uploads, u => u.HostName == "host-1" && !u.IsError);
        Assert.Equal(0, (await pool.HostHealthAsync(Token)).Single(h => h.HostName == "host-1").ConsecutiveFailures);
    }

    private static async Task<string> SyncNewFileAsync(CloudPool pool, PoolHarness harness, string name, int seed)
    {
        var hash = await pool.UploadAsync(harness.WriteFile(name, 1000, seed), Token);
        Assert.True(Assert.Single((await pool.SyncAsync(Token)).Files).IsSafe);
        return hash;
    }

    private (List<FaultyHost> Faulty, List<IStorageHost> Hosts) ResilientHosts()
    {
        var faulty = _harness.NewHosts();
        var options = new ResilientStorageHostOptions
        {
            OperationTimeout = Limit,
            UploadTimeout = Limit,
            MinimumBytesPerSecond = long.MaxValue / 2,
            ReadIdleTimeout = Limit,
            MaxRetryAttempts = 1,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(10),
        };
        return (faulty, faulty.Select(f => (IStorageHost)new ResilientStorageHost(f, options)).ToList());
    }
}
