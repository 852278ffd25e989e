using CloudManager.Catalog;

namespace CloudManager.Tests.Pool;

public sealed partial class CloudPoolTests
{
    [Fact]
    public async Task Safe_file_is_evicted_and_brought_back_verified()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 70_000, 8);
        var hash = await pool.UploadAsync(source, Token);
        await pool.SyncAsync(Token);

        Assert.True(await pool.EvictAsync(hash, Token));
        Assert.False(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(0, await pool.UsedSpaceAsync(Token));
        var path = await pool.WarmUpAsync(hash, Token);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path));
        Assert.True(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(70_000, await pool.UsedSpaceAsync(Token));
        Assert.Equal(140_000, await pool.TotalIncomingAsync(Token));
    }

    [Fact]
    public async Task Host_serving_wrong_bytes_is_skipped_and_its_copy_marked_damaged()
    {
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(hosts: hosts);
        var source = _harness.WriteFile("a.bin", 20_000, 9);
        var hash = await UploadSafeAndEvictAsync(pool, source);
        hosts[0].CorruptReads = true;
        hosts[1].TruncateReads = true;

        var path = await pool.WarmUpAsync(hash, Token);

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path));
        var copies = await pool.Catalog.GetCopiesAsync(ContentHash.Parse(hash), Token);
        var health = await pool.HostHealthAsync(Token);
        foreach (var bad in new[] { "host-1", "host-2" })
        {
            if (hosts.Single(h => h.Name == bad).Reads > 0)
            {
                Assert.Equal(CopyState.Damaged, copies.Single(c => c.HostName == bad).State);
                Assert.True(health.Single(h => h.HostName == bad).Failures > 0);
            }
        }

        Assert.Equal(CopyState.Stored, copies.Single(c => c.HostName == "host-3").State);
    }

    [Fact]
    public async Task WarmUpAsync_fails_clearly_when_no_host_can_deliver()
    {
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(hosts: hosts);
        var hash = await UploadSafeAndEvictAsync(pool, _harness.WriteFile("a.bin", 1000, 10));
        hosts.ForEach(h => h.FailReads = true);

        var error = await Assert.ThrowsAsync<ContentUnavailableException>(() => pool.WarmUpAsync(hash, Token));
        Assert.Equal(3, error.Failures.Count);
        Assert.True(error.IsTransient);
        Assert.False(await pool.OnCacheAsync(hash, Token));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Concurrent_warm_ups_of_one_file_share_one_download()
    {
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(hosts: hosts);
        var source = _harness.WriteFile("a.bin", 300_000, 11);
        var hash = await UploadSafeAndEvictAsync(pool, source);

        var paths = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => pool.WarmUpAsync(hash, Token), Token)));

        Assert.Single(paths.Distinct());
        Assert.Equal(1, hosts.Sum(h => h.Reads));
        Assert.Equal(300_000, await pool.UsedSpaceAsync(Token));
    }

    [Fact]
    public async Task Cache_file_deleted_behind_the_pools_back_is_fetched_again()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 2000, 12);
        var hash = await pool.UploadAsync(source, Token);
        await pool.SyncAsync(Token);
        var cached = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
        File.Delete(cached);

        Assert.False(await pool.OnCacheAsync(hash, Token));
        var path = await pool.WarmUpAsync(hash, Token);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path));
        Assert.Equal(2000, await pool.UsedSpaceAsync(Token));
    }

    [Fact]
    public async Task Reopening_reconciles_the_folder_with_the_catalog()
    {
        var pool = _harness.Open();
        var kept = await pool.UploadAsync(_harness.WriteFile("kept.bin", 1000, 13), Token);
        var deleted = await pool.UploadAsync(_harness.WriteFile("deleted.bin", 1500, 14), Token);
        await pool.SyncAsync(Token);
        await pool.DisposeAsync();

        File.Delete(Path.Combine(_harness.Storage, "objects", deleted[..2], deleted));
        // A dead instance's temp file (removed) beside a file no code of the pool names so (kept).
        var deadInstance = Directory.CreateDirectory(Path.Combine(_harness.Storage, "tmp", Guid.NewGuid().ToString("N"))).FullName;
        File.WriteAllText(Path.Combine(deadInstance, $"{Guid.NewGuid():N}.partial"), "half");
        var notOurs = Path.Combine(_harness.Storage, "tmp", "leftover.partial");
        File.WriteAllText(notOurs, "someone's");
        var orphan = new string('a', 64);
        Directory.CreateDirectory(Path.Combine(_harness.Storage, "objects", "aa"));
        File.WriteAllText(Path.Combine(_harness.Storage, "objects", "aa", orphan), "stray");

        var reopened = _harness.Open();
        var report = await reopened.GetReconciliationAsync(Token);

        Assert.Equal(1, report.TempFilesRemoved);
        var quarantined = Assert.Single(report.Quarantined);
        Assert.Equal("stray", File.ReadAllText(quarantined.QuarantinePath));
        Assert.StartsWith(Path.Combine(_harness.Storage, "quarantine", orphan + "."), quarantined.QuarantinePath, StringComparison.Ordinal);
        Assert.Equal([ContentHash.Parse(deleted)], report.MissingFiles);
        Assert.Empty(report.LostFiles);
        Assert.Equal(1000, await reopened.UsedSpaceAsync(Token));
        Assert.True(await reopened.OnCacheAsync(kept, Token));
        Assert.False(File.Exists(Path.Combine(_harness.Storage, "objects", "aa", orphan)));
        Assert.Equal("someone's", File.ReadAllText(notOurs));
        Assert.False(Directory.Exists(deadInstance));
    }

    [Fact]
    public async Task Reopening_adopts_a_verified_file_left_by_an_interrupted_warm_up()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 1000, 15);
        var hash = await UploadSafeAndEvictAsync(pool, source);
        await pool.DisposeAsync();
        var target = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);

        var reopened = _harness.Open();
        var report = await reopened.GetReconciliationAsync(Token);
        Assert.Equal([ContentHash.Parse(hash)], report.Adopted);
        Assert.Equal(0, report.RegisteredFiles);
        Assert.True(await reopened.OnCacheAsync(hash, Token));
        Assert.Equal(1000, await reopened.UsedSpaceAsync(Token));
    }
}
