namespace CloudManager.Eviction;

/// <summary>
/// Least frequently used, with a memory of evicted files (the default): the file
/// with the fewest accesses leaves first, so a stream of files read once cannot flush files that
/// earned their place. Among files with equal counts, the one whose last two uses lay furthest apart
/// leaves first (its reuse distance, as LIRS ranks files by); among files seen once, the largest, then the most
/// recently used. A file evicted and asked for again
/// while the node still remembers it (up to 2.5 times the cache's bytes of evicted files, oldest forgotten first) comes back with
/// its old count plus one, so a file's second use is recognised even when the cache was too small to
/// keep it in between.
/// </summary>
/// <remarks>
/// <para>Per access this costs one indexed update; an eviction adds one remembered row and trims the
/// oldest ones (each row is trimmed once), so all of it is amortized O(log n).</para>
/// <para>Counts do not fade: a file once popular keeps its count while cached. Halving every count
/// now and then (as TinyLFU does) was tried and missed more bytes on the CloudPhysics trace, as did
/// adding recency to the count and ranking by count per byte.</para>
/// <para>On the CloudPhysics block trace in <c>shared/traces</c>, at cache sizes of 1, 5, 10 and 20 %
/// of the working set, it misses fewer bytes than LRU and than the best of twenty online policies
/// at every size; see <c>bench/RESULTS.md</c> for the figures.</para>
/// </remarks>
public sealed class FrequencyPolicy : IEvictionPolicy
{
    /// <inheritdoc />
    public string Name => "lfu";

    /// <inheritdoc />
    public EvictionTieBreak TieBreak => EvictionTieBreak.MostRecentFirst;

    /// <inheritdoc />
    public double EvictionMemory => 2.5;

    /// <inheritdoc />
    /// <remarks>
    /// The count decides; the fraction added to it (less than ½ either way) only orders files of
    /// equal count. A file whose previous use the node knows gets up to ¼ more, the more the closer
    /// that use (for a file back from the eviction memory, its eviction stands for its previous use:
    /// a file asked for soon after it left ranks high). A file without such a use gets up to ½ less,
    /// the more the larger it is: nothing says it will be used again, and a large one holds the room
    /// of many small ones.
    /// </remarks>
    public double Priority(CacheAccess access) =>
        access.PreviousTick is { } previous
            ? access.AccessCount + (0.5 / (2 + access.Tick - previous))
            : access.AccessCount - (0.5 * access.Size / (access.Size + 1));

    /// <inheritdoc />
    public double InflationAfterEviction(double currentInflation, double evictedPriority) => currentInflation;
}
