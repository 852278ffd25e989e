using CloudManager.Catalog;

namespace CloudManager.Tests.Pool;

public sealed partial class CloudPoolTests
{
    [Fact]
    public async Task UploadAsync_caches_the_file_under_its_hash_and_meters_it()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("report.pdf", 5000, 1);
        var hash = await pool.UploadAsync(source, Token);

        Assert.Equal(ContentHash.Compute(File.ReadAllBytes(source)).ToString(), hash);
        Assert.True(await pool.ExistsAsync(hash, Token));
        Assert.True(await pool.OnCacheAsync(hash, Token));
        var cached = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(cached));
        Assert.Equal(5000, await pool.UsedSpaceAsync(Token));
        Assert.Equal(5000.0 / (1 << 20), await pool.UsageRatioAsync(Token), 9);
        Assert.Equal(5000, await pool.TotalIncomingAsync(Token));
        Assert.Equal(5000, await pool.CurrentIncomingAsync(Token));
        var info = await pool.InfoAsync(hash, Token);
        Assert.NotNull(info);
        Assert.Equal("report.pdf", info.FileName);
        Assert.Equal(5000, info.FileSize);
        Assert.Empty(info.Uploads);
        Assert.Equal(new QueueInfo(1, 5000), await pool.UploadQueueInfoAsync(Token));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task UploadAsync_twice_returns_the_same_hash_and_adds_nothing()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 3000, 2);
        var first = await pool.UploadAsync(source, Token);
        var copy = _harness.Folder.Combine("renamed.bin");
        File.Copy(source, copy);
        var second = await pool.UploadAsync(copy, Token);

        Assert.Equal(first, second);
        Assert.Equal(3000, await pool.UsedSpaceAsync(Token));
        Assert.Equal(3000, await pool.TotalIncomingAsync(Token));
        Assert.Equal("a.bin", (await pool.InfoAsync(first, Token))!.FileName);
        Assert.Single(await pool.ListFilesAsync(cancellationToken: Token));
    }

    [Fact]
    public async Task UploadAsync_of_a_file_larger_than_the_cache_fails_and_leaves_nothing()
    {
        var pool = _harness.Open(capacity: 10_000);
        var source = _harness.WriteFile("big.bin", 9_001, 3);
        var error = await Assert.ThrowsAsync<CacheFullException>(() => pool.UploadAsync(source, Token));

        Assert.False(error.IsTransient);
        Assert.Equal(9_000, error.LimitBytes);
        Assert.Equal(0, await pool.UsedSpaceAsync(Token));
        Assert.Empty(await pool.ListFilesAsync(cancellationToken: Token));
        Assert.DoesNotContain(Directory.EnumerateFiles(_harness.Storage, "*", SearchOption.AllDirectories), f => !f.EndsWith(".lock", StringComparison.Ordinal) && !f.EndsWith("node-id", StringComparison.Ordinal) && !f.EndsWith(".owner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UploadAsync_of_a_missing_file_says_so()
    {
        var pool = _harness.Open();
        await Assert.ThrowsAsync<FileNotFoundException>(() => pool.UploadAsync(_harness.Folder.Combine("nope"), Token));
    }
}
