using CloudManager.CachePolicy;
using CloudManager.Eviction;

namespace CloudManager.Tests.Eviction;

/// <summary>The replay harness's quick mode, checked against a plain LRU written out here.</summary>
public sealed class CachePolicyReplayTests
{
    [Fact]
    public void Replayed_lru_equals_a_reference_lru_on_a_trace_prefix()
    {
        var trace = SyntheticTraces.ScanWithHotSet(seed: 2).Prefix(20_000);
        var replayed = Replay.Run(trace, EvictionPolicies.Lru, 0.10);

        var (byteMisses, objectMisses) = ReferenceLru(trace, (long)(trace.UniqueBytes * 0.10));
        Assert.Equal(byteMisses, replayed.ByteMissRatio, 12);
        Assert.Equal(objectMisses, replayed.ObjectMissRatio, 12);
        Assert.InRange(replayed.ByteMissRatio, 0.01, 0.99);
    }

    [Fact]
    public void Default_policy_misses_no_more_than_lru_on_the_scan_with_a_hot_set()
    {
        var trace = SyntheticTraces.ScanWithHotSet(seed: 2).Prefix(20_000);
        Assert.True(Replay.Run(trace, EvictionPolicies.Default, 0.10).ByteMissRatio <= Replay.Run(trace, EvictionPolicies.Lru, 0.10).ByteMissRatio);
    }

    [Fact]
    public void Index_never_remembers_more_than_the_policy_allows()
    {
        var policy = EvictionPolicies.Frequency;
        var index = new EvictionIndex<ulong>(policy);
        for (ulong id = 0; id < 1000; id++)
        {
            while (index.UsedBytes + 10 > 100 && index.TryPeekVictim(out var victim, out _))
            {
                index.Evict(victim);
                Assert.True(index.RememberedBytes <= policy.EvictionMemory * 100);
            }

            index.Insert(id, 10);
        }

        // Each eviction happens with 100 bytes cached, so the bound is EvictionMemory × 100 bytes of 10-byte files.
        Assert.Equal((int)(policy.EvictionMemory * 100) / 10, index.RememberedCount);
    }

    /// <summary>LRU by definition: a hit moves the object to the front; a miss evicts from the back until it fits.</summary>
    private static (double ByteMisses, double ObjectMisses) ReferenceLru(RequestTrace trace, long capacity)
    {
        var order = new LinkedList<Request>();
        var nodes = new Dictionary<ulong, LinkedListNode<Request>>();
        long used = 0, requested = 0, missedBytes = 0, misses = 0;
        foreach (var request in trace.Requests)
        {
            requested += request.Size;
            if (nodes.TryGetValue(request.Id, out var node))
            {
                order.Remove(node);
                order.AddFirst(node);
                continue;
            }

            missedBytes += request.Size;
            misses++;
            if (request.Size > capacity)
            {
                continue;
            }

            while (used + request.Size > capacity)
            {
                var last = order.Last!;
                order.RemoveLast();
                nodes.Remove(last.Value.Id);
                used -= last.Value.Size;
            }

            nodes[request.Id] = order.AddFirst(request);
            used += request.Size;
        }

        return ((double)missedBytes / requested, (double)misses / trace.Requests.Count);
    }
}
