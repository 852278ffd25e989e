namespace CloudManager.Eviction;

/// <summary>
/// Decides which cached file leaves first when room is needed, by giving every cached file a
/// priority on insert and on each hit: the file with the lowest priority is evicted first (ties go to
/// the least recently used).
/// </summary>
/// <remarks>
/// <para>Priorities are stored with each cache entry and ordered by an index, so choosing a victim is
/// O(log n) and survives restarts; the only other state is one aging value per node
/// (<see cref="CacheAccess.Inflation"/>), also persisted. The same code runs inside the pool and in the
/// trace-replay benchmark.</para>
/// <para>Pinned files and files not yet safe on the hosts are never offered for eviction, whatever
/// their priority. Implementations must be pure functions of their arguments and thread-safe.</para>
/// </remarks>
public interface IEvictionPolicy
{
    /// <summary>The name users select the policy by (<c>lru</c>, <c>size</c>, ...).</summary>
    string Name { get; }

    /// <summary>The priority of a file after it was inserted or hit.</summary>
    double Priority(CacheAccess access);

    /// <summary>The node's aging value after the file with <paramref name="evictedPriority"/> was evicted.</summary>
    double InflationAfterEviction(double currentInflation, double evictedPriority);
}
