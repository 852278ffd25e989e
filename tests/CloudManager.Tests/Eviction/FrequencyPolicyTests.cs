using CloudManager.Eviction;

namespace CloudManager.Tests.Eviction;

/// <summary>The default policy's order: count first, then reuse distance or, for files seen once, size.</summary>
public sealed class FrequencyPolicyTests
{
    private static readonly FrequencyPolicy Policy = new();

    [Fact]
    public void A_higher_count_outranks_any_reuse_distance_and_size()
    {
        var oftenButFar = Policy.Priority(new CacheAccess(1, 3, 1_000_000, 0, 0));
        var lessButNear = Policy.Priority(new CacheAccess(1, 2, 1_000_000, 0, 999_999));
        var unknownHistory = Policy.Priority(new CacheAccess(long.MaxValue / 2, 3, 10, 0));
        Assert.True(oftenButFar > lessButNear);
        Assert.True(unknownHistory > lessButNear);
    }

    [Fact]
    public void Among_equal_counts_the_nearer_reuse_ranks_higher()
    {
        var near = Policy.Priority(new CacheAccess(100, 2, 50, 0, 48));
        var far = Policy.Priority(new CacheAccess(100, 2, 50, 0, 3));
        Assert.True(near > far);
    }

    [Fact]
    public void Among_files_seen_once_the_largest_leaves_first_then_the_newest()
    {
        var index = new EvictionIndex<int>(Policy);
        index.Insert(1, 10);
        index.Insert(2, 4096);
        index.Insert(3, 10);

        Assert.True(index.TryPeekVictim(out var victim, out _));
        Assert.Equal(2, victim);
        index.Evict(victim);
        Assert.True(index.TryPeekVictim(out victim, out _));
        Assert.Equal(3, victim);
    }

    [Fact]
    public void A_file_back_from_the_eviction_memory_ranks_by_the_time_since_its_eviction()
    {
        var index = new EvictionIndex<int>(Policy);
        index.Insert(1, 10);
        index.Insert(2, 10);
        index.Evict(1);
        index.Evict(2);
        index.Insert(3, 10);
        index.Insert(4, 10);
        index.Insert(2, 10);
        index.Insert(1, 10);

        // Both came back with count 2; file 1 was evicted earlier, so its gap is longer and it leaves first.
        Assert.Equal(2, index.AccessCountOf(1));
        Assert.Equal(2, index.AccessCountOf(2));
        index.Evict(3);
        index.Evict(4);
        Assert.True(index.TryPeekVictim(out var victim, out _));
        Assert.Equal(1, victim);
    }
}
