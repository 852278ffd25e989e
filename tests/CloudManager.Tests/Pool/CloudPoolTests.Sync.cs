using CloudManager.Catalog;
using CloudManager.Testing;

namespace CloudManager.Tests.Pool;

public sealed partial class CloudPoolTests
{
    [Fact]
    public async Task SyncAsync_copies_to_every_host_and_makes_the_file_safe()
    {
        var pool = _harness.Open();
        var hash = await pool.UploadAsync(_harness.WriteFile("a.bin", 4000, 4), Token);
        var report = await pool.SyncAsync(Token);

        var file = Assert.Single(report.Files);
        Assert.Equal(0, file.CopiesBefore);
        Assert.Equal(3, file.CopiesAfter);
        Assert.True(file.IsSafe);
        Assert.Equal(3, report.CopiesMade);
        Assert.Equal(1, report.FilesMadeSafe);
        Assert.Equal(12_000, await pool.TotalOutgoingAsync(Token));
        Assert.Equal(new QueueInfo(0, 0), await pool.UploadQueueInfoAsync(Token));
        Assert.Equal(new QueueInfo(1, 4000), await pool.ExportQueueInfoAsync(Token));
        var info = await pool.InfoAsync(hash, Token);
        Assert.Equal(["host-1", "host-2", "host-3"], info!.Uploads.Select(u => u.HostName).Order());
        Assert.All(info.Uploads, u => Assert.False(u.IsError));
        foreach (var folder in _harness.HostFolders)
        {
            Assert.True(File.Exists(Path.Combine(folder, hash[..2], hash)));
        }

        Assert.Empty((await pool.SyncAsync(Token)).Files);
    }

    [Fact]
    public async Task SyncAsync_replaces_a_failing_host_with_the_next_candidate()
    {
        var harness = new PoolHarness(hostCount: 4);
        await using var _ = harness;
        var hosts = harness.NewHosts();
        hosts[0].FailUploads = true;
        var pool = harness.Open(hosts: hosts);
        // Two syncs: the second file goes to the least loaded hosts first, so host-1 is tried by then at the
        // latest, and once it has failed it is ranked last.
        var first = await pool.UploadAsync(harness.WriteFile("a.bin", 100, 5), Token);
        Assert.Equal(3, Assert.Single((await pool.SyncAsync(Token)).Files).CopiesAfter);
        var second = await pool.UploadAsync(harness.WriteFile("b.bin", 100, 6), Token);
        Assert.Equal(3, Assert.Single((await pool.SyncAsync(Token)).Files).CopiesAfter);

        Assert.Equal(1, hosts[0].Uploads);
        foreach (var hash in new[] { first, second })
        {
            var info = await pool.InfoAsync(hash, Token);
            Assert.Equal(["host-2", "host-3", "host-4"], info!.Uploads.Where(u => !u.IsError).Select(u => u.HostName).Order());
        }

        var health = (await pool.HostHealthAsync(Token)).Single(h => h.HostName == "host-1");
        Assert.Equal(1, health.ConsecutiveFailures);
        Assert.Contains("injected", health.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_hosts_failing_leaves_the_file_pending_pinned_and_retried()
    {
        var hosts = _harness.NewHosts();
        hosts.ForEach(h => h.FailUploads = true);
        var pool = _harness.Open(capacity: 10_000, hosts: hosts);
        var first = await pool.UploadAsync(_harness.WriteFile("a.bin", 5000, 6), Token);
        var report = await pool.SyncAsync(Token);

        Assert.False(Assert.Single(report.Files).IsSafe);
        Assert.Equal(3, report.FailedAttempts);
        Assert.Equal(1, report.FilesStillPending);
        Assert.Equal(0, await pool.TotalOutgoingAsync(Token));
        Assert.DoesNotContain((await pool.InfoAsync(first, Token))!.Uploads, u => !u.IsError);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.EvictAsync(first, Token));
        var second = _harness.WriteFile("b.bin", 5000, 7);
        var full = await Assert.ThrowsAsync<CacheFullException>(() => pool.UploadAsync(second, Token));
        Assert.True(full.IsTransient);
        Assert.True(await pool.OnCacheAsync(first, Token));
        Assert.Null(await pool.DataDumpAsync(100_000, Token));

        hosts.ForEach(h => h.FailUploads = false);
        var retry = await pool.SyncAsync(Token);
        Assert.True(Assert.Single(retry.Files).IsSafe);
        Assert.Equal(3, retry.Retried);
        await pool.UploadAsync(second, Token);
        Assert.False(await pool.OnCacheAsync(first, Token));
        Assert.True(await pool.ExistsAsync(first, Token));
    }
}
