namespace CloudManager.Eviction;

/// <summary>
/// One node's eviction state kept in memory, in the same order and with the same bookkeeping as the
/// SQL catalog keeps it (clock, access counts, remembered evictions), so that replaying a
/// trace through it measures what a pool with the same policy would do.
/// </summary>
/// <remarks>
/// Every file here is evictable: pinned files and files not yet safe, which the catalog skips, do not
/// occur in a replay. Not thread-safe.
/// </remarks>
/// <typeparam name="TKey">What identifies a file: its hash in the pool, a trace's object id in a replay.</typeparam>
public sealed class EvictionIndex<TKey>
    where TKey : notnull, IComparable<TKey>
{
    private readonly IEvictionPolicy _policy;
    private readonly Dictionary<TKey, Entry> _entries = [];
    private readonly SortedSet<(double Priority, long Order, TKey Key)> _order = [];
    private readonly Dictionary<TKey, Remembered> _remembered = [];
    private readonly SortedSet<(long Tick, TKey Key)> _rememberedAge = [];
    private long _clock;
    private double _inflation;

    /// <summary>Creates an empty node using <paramref name="policy"/>.</summary>
    public EvictionIndex(IEvictionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
    }

    /// <summary>The bytes of all cached files.</summary>
    public long UsedBytes { get; private set; }

    /// <summary>How many files are cached.</summary>
    public int Count => _entries.Count;

    /// <summary>How many evicted files are remembered.</summary>
    public int RememberedCount => _remembered.Count;

    /// <summary>The bytes of the remembered evicted files.</summary>
    public long RememberedBytes { get; private set; }

    /// <summary>Whether the file is cached.</summary>
    public bool Contains(TKey key) => _entries.ContainsKey(key);

    /// <summary>The access count of a cached file, or of a remembered evicted one; 0 for others.</summary>
    public long AccessCountOf(TKey key) =>
        _entries.TryGetValue(key, out var entry) ? entry.AccessCount : _remembered.TryGetValue(key, out var r) ? r.AccessCount : 0;

    /// <summary>Adds a file that is not cached (as the catalog's <c>AddCachedFileAsync</c> does).</summary>
    /// <exception cref="InvalidOperationException">The file is already cached.</exception>
    public void Insert(TKey key, long size)
    {
        if (_entries.ContainsKey(key))
        {
            throw new InvalidOperationException($"{key} is already cached.");
        }

        var tick = AdvanceClock();
        var count = 1L;
        long? previousTick = null;
        if (_remembered.Remove(key, out var remembered))
        {
            _rememberedAge.Remove((remembered.Tick, key));
            RememberedBytes -= remembered.Size;
            count = remembered.AccessCount + 1;
            previousTick = remembered.Tick;
        }

        Put(key, new Entry(size, count, tick, _policy.Priority(new CacheAccess(size, count, tick, _inflation, previousTick))));
        UsedBytes += size;
    }

    /// <summary>Counts a hit on a cached file (as the catalog's <c>RecordCacheHitsAsync</c> does).</summary>
    /// <returns>False when the file is not cached.</returns>
    public bool Hit(TKey key)
    {
        if (!_entries.ContainsKey(key))
        {
            return false;
        }

        var tick = AdvanceClock();
        var entry = _entries[key];
        var count = entry.AccessCount + 1;
        Remove(key, entry);
        Put(key, new Entry(entry.Size, count, tick, _policy.Priority(new CacheAccess(entry.Size, count, tick, _inflation, entry.Tick))));
        return true;
    }

    /// <summary>The file the policy evicts first, in the catalog's order; false when nothing is cached.</summary>
    public bool TryPeekVictim(out TKey key, out long size)
    {
        if (_order.Count == 0)
        {
            key = default!;
            size = 0;
            return false;
        }

        key = _order.Min.Key;
        size = _entries[key].Size;
        return true;
    }

    /// <summary>
    /// Evicts a cached file (as the catalog's <c>RemoveCacheEntryAsync</c> with a policy does): raises
    /// the aging value and remembers the file if the policy asks.
    /// </summary>
    /// <returns>False when the file is not cached.</returns>
    public bool Evict(TKey key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        var usedBefore = UsedBytes;
        Remove(key, entry);
        UsedBytes -= entry.Size;
        _inflation = _policy.InflationAfterEviction(_inflation, entry.Priority);
        if (_policy.EvictionMemory > 0)
        {
            Remember(key, entry, EvictionMemoryLimit(_policy, usedBefore));
        }

        return true;
    }

    /// <summary>How many bytes of evicted files a node remembers, given its used bytes before an eviction.</summary>
    internal static long EvictionMemoryLimit(IEvictionPolicy policy, long usedBytesBefore) =>
        (long)(policy.EvictionMemory * usedBytesBefore);

    private void Remember(TKey key, Entry entry, long limit)
    {
        _remembered[key] = new Remembered(entry.Size, entry.AccessCount, _clock);
        _rememberedAge.Add((_clock, key));
        RememberedBytes += entry.Size;
        while (RememberedBytes > limit && _rememberedAge.Count > 0)
        {
            var oldest = _rememberedAge.Min;
            _rememberedAge.Remove(oldest);
            RememberedBytes -= _remembered[oldest.Key].Size;
            _remembered.Remove(oldest.Key);
        }
    }

    private long AdvanceClock() => ++_clock;

    private void Put(TKey key, Entry entry)
    {
        _entries[key] = entry;
        _order.Add((entry.Priority, OrderOf(entry), key));
    }

    private void Remove(TKey key, Entry entry)
    {
        _entries.Remove(key);
        _order.Remove((entry.Priority, OrderOf(entry), key));
    }

    private long OrderOf(Entry entry) => _policy.TieBreak == EvictionTieBreak.MostRecentFirst ? -entry.Tick : entry.Tick;

    private readonly record struct Entry(long Size, long AccessCount, long Tick, double Priority);

    private readonly record struct Remembered(long Size, long AccessCount, long Tick);
}
