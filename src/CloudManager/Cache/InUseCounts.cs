using System.Collections.Concurrent;

namespace CloudManager.Cache;

/// <summary>
/// How many readers, syncs and warm-ups of this pool hold each cached file right now: a file held
/// is never picked for eviction by this pool. Another process's holds are not seen here; its open
/// handles keep the bytes readable all the same.
/// </summary>
internal sealed class InUseCounts
{
    private readonly ConcurrentDictionary<ContentHash, int> _counts = new();

    /// <summary>Adds one hold on a file.</summary>
    internal void Mark(ContentHash hash) => _counts.AddOrUpdate(hash, 1, (_, n) => n + 1);

    /// <summary>Whether anything holds the file.</summary>
    internal bool Contains(ContentHash hash) => _counts.ContainsKey(hash);

    /// <summary>Drops one hold on a file; the last one removes it.</summary>
    internal void Release(ContentHash hash)
    {
        while (true)
        {
            var count = _counts.GetValueOrDefault(hash);
            if (count <= 1)
            {
                if (_counts.TryRemove(new KeyValuePair<ContentHash, int>(hash, count)))
                {
                    return;
                }
            }
            else if (_counts.TryUpdate(hash, count - 1, count))
            {
                return;
            }
        }
    }
}
