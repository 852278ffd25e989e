namespace CloudManager.Eviction;

/// <summary>
/// Decides which cached file leaves first when room is needed, by giving every cached file a
/// priority on insert and on each hit: the file with the lowest priority is evicted first; among
/// equal priorities <see cref="TieBreak"/> decides.
/// </summary>
/// <remarks>
/// <para>Priorities are stored with each cache entry and ordered by an index, so choosing a victim is
/// O(log n) and survives restarts. The other state is per node and persisted too: an aging value
/// (<see cref="CacheAccess.Inflation"/>) and the access counts of recently evicted files when
/// <see cref="EvictionMemory"/> is above zero. The same code runs inside the pool (through the catalog) and in the
/// trace-replay benchmark (through <see cref="EvictionIndex{TKey}"/>, which keeps the same order in memory).</para>
/// <para>Pinned files and files not yet safe on the hosts are never offered for eviction, whatever
/// their priority. Implementations must be pure functions of their arguments and thread-safe.</para>
/// </remarks>
public interface IEvictionPolicy
{
    /// <summary>The name users select the policy by (<c>lru</c>, <c>size</c>, ...).</summary>
    string Name { get; }

    /// <summary>Which of two files with equal priority leaves first.</summary>
    EvictionTieBreak TieBreak => EvictionTieBreak.LeastRecentFirst;

    /// <summary>
    /// How many bytes of evicted files the node remembers, as a multiple of the bytes its cache holds:
    /// a file that comes back while remembered resumes its access count. 0 (the default) remembers none.
    /// </summary>
    double EvictionMemory => 0;

    /// <summary>The priority of a file after it was inserted or hit.</summary>
    double Priority(CacheAccess access);

    /// <summary>The node's aging value after the file with <paramref name="evictedPriority"/> was evicted.</summary>
    double InflationAfterEviction(double currentInflation, double evictedPriority);
}

/// <summary>The order among cached files of equal priority.</summary>
public enum EvictionTieBreak
{
    /// <summary>The file whose last access is oldest leaves first.</summary>
    LeastRecentFirst,

    /// <summary>The file whose last access is newest leaves first: a burst of new files cannot push out older ones of the same priority.</summary>
    MostRecentFirst,
}
