using CloudManager.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Replication;

/// <summary>
/// Bytes are verified on the way out: a cached file damaged on disk reaches no host, is set aside in
/// quarantine and fetched again from a good copy, or the file is reported lost.
/// </summary>
public sealed class SyncVerificationTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_damaged_cached_copy_is_stored_nowhere_set_aside_and_reported_lost_when_no_host_holds_it()
    {
        await using var harness = new PoolHarness();
        var pool = harness.Open(capacity: 8 << 20);
        var hash = await pool.UploadAsync(harness.WriteFile("a.bin", 300_000, 1), Token);
        FlipByte(CachedPath(harness, hash), 150_000);

        var report = Assert.Single((await pool.SyncAsync(Token)).Files);

        Assert.True(report.IsLost);
        Assert.True(report.CachedCopyDamaged);
        Assert.False(report.IsSafe);
        Assert.Equal(0, report.CopiesAfter);
        Assert.All(report.Attempts.Where(a => !a.HostName.StartsWith('(')), a => Assert.Contains($"cached copy of {hash} is damaged", a.Error, StringComparison.Ordinal));
        AssertNoHostHoldsBadBytes(harness);
        Assert.Empty(HostFiles(harness));
        // Set aside, never deleted; out of the cache and its index.
        var quarantined = Assert.Single(Directory.GetFiles(Path.Combine(harness.Storage, "quarantine")));
        Assert.Equal(report.QuarantinePath, quarantined);
        Assert.StartsWith($"{hash}.", Path.GetFileName(quarantined), StringComparison.Ordinal);
        Assert.False(File.Exists(CachedPath(harness, hash)));
        Assert.Null(await pool.Catalog.FindCacheEntryAsync(await pool.GetNodeIdAsync(Token), ContentHash.Parse(hash), Token));
        // The hosts did nothing wrong: their health is untouched.
        Assert.All(await pool.Catalog.GetHostHealthAsync(Token), h => Assert.Equal(0, h.ConsecutiveFailures));
    }

    [Fact]
    public async Task A_damaged_cached_copy_is_fetched_again_from_a_good_copy_and_the_sync_goes_on_with_the_good_bytes()
    {
        await using var harness = new PoolHarness();
        var hosts = harness.NewHosts();
        var pool = harness.Open(capacity: 8 << 20, redundancy: 3, minCopies: 2, hosts: hosts);
        var source = harness.WriteFile("a.bin", 2_500_000, 2);
        var hash = await pool.UploadAsync(source, Token);
        hosts[1].FailUploads = hosts[2].FailUploads = true;
        Assert.Equal(1, Assert.Single((await pool.SyncAsync(Token)).Files).CopiesAfter);
        hosts[1].FailUploads = hosts[2].FailUploads = false;
        FlipByte(CachedPath(harness, hash), 2_499_999);

        var report = Assert.Single((await pool.SyncAsync(Token)).Files);

        Assert.True(report.CachedCopyDamaged);
        Assert.False(report.IsLost);
        Assert.True(report.IsSafe);
        Assert.Equal(3, report.CopiesAfter);
        AssertNoHostHoldsBadBytes(harness);
        Assert.Equal(3, HostFiles(harness).Count);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(CachedPath(harness, hash)));
        Assert.Single(Directory.GetFiles(Path.Combine(harness.Storage, "quarantine")));
    }

    [Fact]
    public async Task The_cached_file_is_read_once_for_all_the_hosts_it_is_copied_to()
    {
        await using var harness = new PoolHarness(hostCount: 3);
        var hosts = harness.NewHosts();
        var pool = harness.Open(capacity: 32 << 20, redundancy: 3, hosts: hosts);
        await pool.UploadAsync(harness.WriteFile("a.bin", 5_000_000, 3), Token);
        await pool.UploadAsync(harness.WriteFile("b.bin", 1_000, 4), Token);
        // A whole number of the shared read's 1 MiB blocks: the last block fills its buffer.
        await pool.UploadAsync(harness.WriteFile("c.bin", 2 << 20, 5), Token);

        var report = await pool.SyncAsync(Token);

        Assert.Equal(9, report.CopiesMade);
        Assert.Equal(3, pool.CacheFileOpensForSync);
        Assert.All(hosts, h => Assert.Equal(3, h.Uploads));
        AssertNoHostHoldsBadBytes(harness);
    }

    [Fact]
    public async Task A_host_failing_mid_stream_does_not_stop_the_others()
    {
        await using var harness = new PoolHarness(hostCount: 3);
        var hosts = harness.NewHosts();
        hosts[0].FailUploadsAfterBytes = 1_500_000;
        var pool = harness.Open(capacity: 32 << 20, redundancy: 3, minCopies: 2, hosts: hosts);
        await pool.UploadAsync(harness.WriteFile("a.bin", 6_000_000, 5), Token);

        var report = Assert.Single((await pool.SyncAsync(Token)).Files);

        Assert.Equal(2, report.CopiesAfter);
        Assert.True(report.IsSafe);
        Assert.False(report.CachedCopyDamaged);
        Assert.Contains(report.Attempts, a => a.HostName == "host-1" && !a.Succeeded && a.Error!.Contains("dropped", StringComparison.Ordinal));
        Assert.Equal(1, pool.CacheFileOpensForSync);
        AssertNoHostHoldsBadBytes(harness);
    }

    [Fact]
    public async Task A_cancelled_sync_leaves_no_copy_on_any_host()
    {
        await using var harness = new PoolHarness(hostCount: 3);
        var hosts = harness.NewHosts();
        // One host never starts reading: the shared read waits for it, and the sync is cancelled meanwhile.
        hosts[2].HangUploads = true;
        var pool = harness.Open(capacity: 32 << 20, redundancy: 3, hosts: hosts);
        await pool.UploadAsync(harness.WriteFile("a.bin", 4_000_000, 6), Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.SyncAsync(cancel.Token));

        Assert.Empty(HostFiles(harness));
        Assert.All(harness.HostFolders, folder => Assert.Empty(Directory.GetFiles(folder, "*.partial", SearchOption.AllDirectories)));
    }

    [Fact]
    public void Random_damage_and_host_failures_never_leave_a_stored_copy_whose_bytes_differ_from_its_hash()
    {
        var cases =
            from size in Gen.Frequency((4, Gen.Choose(1, 2_200_000)), (1, Gen.Elements(1 << 20, 2 << 20)))
            from damage in Gen.Frequency((1, Gen.Constant(-1)), (3, Gen.Choose(0, int.MaxValue)))
            from failures in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(-1)), (1, Gen.Constant(0)), (2, Gen.Choose(1, 2_300_000))), 3)
            select (Size: size, Damage: damage, Failures: failures);
        var property = Prop.ForAll(Arb.From(cases), c => RunCaseAsync(c.Size, c.Damage, c.Failures).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), property);
    }

    private static async Task<bool> RunCaseAsync(int size, int damage, int[] failures)
    {
        await using var harness = new PoolHarness(hostCount: 3);
        var hosts = harness.NewHosts();
        for (var i = 0; i < hosts.Count; i++)
        {
            hosts[i].FailUploads = failures[i] == 0;
            hosts[i].FailUploadsAfterBytes = failures[i] > 0 ? failures[i] : null;
        }

        var pool = harness.Open(capacity: 8 << 20, redundancy: 3, minCopies: 2, hosts: hosts);
        var hash = await pool.UploadAsync(harness.WriteFile("a.bin", size, size), Token);
        if (damage >= 0)
        {
            FlipByte(CachedPath(harness, hash), damage % size);
        }

        var report = Assert.Single((await pool.SyncAsync(Token)).Files);
        AssertNoHostHoldsBadBytes(harness);
        // Damage is always seen when a host reads to the end; the shared read, ahead of slow hosts, may
        // see it even when every host fails before. Undamaged bytes are never called damaged.
        if (damage >= 0 && failures.Any(f => f < 0 || f >= size))
        {
            Assert.True(report.CachedCopyDamaged);
        }

        Assert.False(damage < 0 && report.CachedCopyDamaged);
        Assert.Equal(report.CachedCopyDamaged, report.IsLost);
        Assert.Equal(HostFiles(harness).Count, report.CopiesAfter);
        return true;
    }

    private static string CachedPath(PoolHarness harness, string hash) => Path.Combine(harness.Storage, "objects", hash[..2], hash);

    private static void FlipByte(string path, long position)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = position;
        var value = file.ReadByte();
        file.Position = position;
        file.WriteByte((byte)(value ^ 0x5A));
    }

    private static List<string> HostFiles(PoolHarness harness) => [.. harness.HostFolders.SelectMany(HostFolderContent.Files)];

    /// <summary>Every file a host folder holds is named by the SHA-256 of its bytes.</summary>
    private static void AssertNoHostHoldsBadBytes(PoolHarness harness)
    {
        foreach (var file in HostFiles(harness))
        {
            Assert.Equal(Path.GetFileName(file), ContentHash.Compute(File.ReadAllBytes(file)).ToString());
        }
    }
}
