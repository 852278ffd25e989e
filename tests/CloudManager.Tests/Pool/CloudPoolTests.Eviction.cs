using CloudManager.Eviction;

namespace CloudManager.Tests.Pool;

public sealed partial class CloudPoolTests
{
    [Fact]
    public async Task Eviction_follows_the_policy_and_spares_pinned_files()
    {
        var pool = _harness.Open(capacity: 10_000, policy: EvictionPolicies.Lru);
        var a = await pool.UploadAsync(_harness.WriteFile("a", 3000, 16), Token);
        var b = await pool.UploadAsync(_harness.WriteFile("b", 3000, 17), Token);
        var c = await pool.UploadAsync(_harness.WriteFile("c", 2000, 18), Token);
        await pool.SyncAsync(Token);
        Assert.True(await pool.PinAsync(a, Token));
        await pool.WarmUpAsync(b, Token);

        var d = await pool.UploadAsync(_harness.WriteFile("d", 2000, 19), Token);

        Assert.True(await pool.OnCacheAsync(a, Token));
        Assert.True(await pool.OnCacheAsync(b, Token));
        Assert.False(await pool.OnCacheAsync(c, Token));
        Assert.True(await pool.OnCacheAsync(d, Token));
        Assert.True(await pool.UsedSpaceAsync(Token) <= pool.CacheLimit);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.EvictAsync(a, Token));
        Assert.True(await pool.UnpinAsync(a, Token));
        Assert.True(await pool.EvictAsync(a, Token));
    }

    [Fact]
    public async Task Cache_hits_are_recorded_in_batches_and_kept_when_the_pool_closes()
    {
        var pool = _harness.Open();
        var hash = await pool.UploadAsync(_harness.WriteFile("a", 100, 40), Token);
        await pool.WarmUpAsync(hash, Token);
        await pool.WarmUpAsync(hash, Token);
        await pool.DisposeAsync();

        var reopened = _harness.Open();
        var entry = await reopened.Catalog.FindCacheEntryAsync(await reopened.GetNodeIdAsync(Token), ContentHash.Parse(hash), Token);
        Assert.Equal(3, entry!.AccessCount);
    }

    [Fact]
    public async Task Largest_first_policy_evicts_the_largest_file()
    {
        var pool = _harness.Open(capacity: 10_000, policy: EvictionPolicies.LargestFirst);
        var big = await pool.UploadAsync(_harness.WriteFile("big", 4000, 20), Token);
        var small = await pool.UploadAsync(_harness.WriteFile("small", 1000, 21), Token);
        var mid = await pool.UploadAsync(_harness.WriteFile("mid", 3000, 22), Token);
        await pool.SyncAsync(Token);
        await pool.UploadAsync(_harness.WriteFile("new", 2000, 23), Token);

        Assert.False(await pool.OnCacheAsync(big, Token));
        Assert.True(await pool.OnCacheAsync(small, Token));
        Assert.True(await pool.OnCacheAsync(mid, Token));
    }
}
