using CloudManager.Eviction;

namespace CloudManager.CachePolicy;

/// <summary>Misses of one policy on one trace at one cache size.</summary>
/// <param name="Policy">The policy's name.</param>
/// <param name="CacheShare">The cache size as a share of the trace's unique bytes.</param>
/// <param name="ByteMissRatio">Bytes missed / bytes requested.</param>
/// <param name="ObjectMissRatio">Requests missed / requests.</param>
public sealed record ReplayResult(string Policy, double CacheShare, double ByteMissRatio, double ObjectMissRatio);

/// <summary>
/// Feeds a trace through the library's eviction code (<see cref="EvictionIndex{TKey}"/> with a real
/// <see cref="IEvictionPolicy"/>) the way a pool uses it: a hit is counted; a miss evicts the policy's
/// victims until the object fits, then inserts it; an object larger than the cache bypasses it.
/// </summary>
public static class Replay
{
    /// <summary>The cache sizes of the table, as shares of the trace's unique bytes.</summary>
    public static IReadOnlyList<double> StandardShares { get; } = [0.01, 0.05, 0.10, 0.20];

    /// <summary>Replays <paramref name="trace"/> with a cache of <paramref name="cacheShare"/> of its unique bytes.</summary>
    public static ReplayResult Run(RequestTrace trace, IEvictionPolicy policy, double cacheShare)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(policy);
        var capacity = (long)(trace.UniqueBytes * cacheShare);
        var index = new EvictionIndex<ulong>(policy);
        long requestedBytes = 0, missedBytes = 0, misses = 0;
        foreach (var request in trace.Requests)
        {
            requestedBytes += request.Size;
            if (index.Hit(request.Id))
            {
                continue;
            }

            missedBytes += request.Size;
            misses++;
            if (request.Size > capacity)
            {
                continue;
            }

            while (index.UsedBytes + request.Size > capacity && index.TryPeekVictim(out var victim, out _))
            {
                index.Evict(victim);
            }

            index.Insert(request.Id, request.Size);
        }

        return new ReplayResult(policy.Name, cacheShare, (double)missedBytes / requestedBytes, (double)misses / trace.Requests.Count);
    }
}
