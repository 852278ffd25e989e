using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager.Eviction;

/// <summary>
/// Makes room in this node's cache: evicts safe, unpinned files that nothing of this pool holds, in
/// the order of the configured <see cref="IEvictionPolicy"/> (which sees every hit first), until the
/// bytes asked for fit; evicts one file on request. A file with fewer than the minimum copies on the
/// hosts is never a candidate. Every eviction runs under the cache gate.
/// </summary>
/// <param name="pool">The pool's shared state.</param>
/// <param name="inUse">The holds that keep files from eviction.</param>
/// <param name="hits">The hits not yet written, flushed before a victim is picked.</param>
/// <param name="removeEntry">Removes a cache entry and forgets what is remembered of the file.</param>
internal sealed class Evictor(
    PoolContext pool, InUseCounts inUse, CacheHitRecorder hits, Func<ContentHash, IEvictionPolicy?, CancellationToken, Task> removeEntry)
{
    /// <summary>Evicts safe, unpinned files by policy until <paramref name="size"/> more bytes fit. Call under the gate.</summary>
    /// <exception cref="CacheFullException">The file is larger than the cache allows, or every other file is pinned, in use or not yet safe.</exception>
    internal async Task MakeRoomAsync(long size, CancellationToken cancellationToken)
    {
        // The policy must see every hit so far before it picks a victim.
        await hits.FlushAsync(cancellationToken).ConfigureAwait(false);
        var limit = pool.CacheLimit;
        var used = await pool.CacheIndex.GetUsedBytesAsync(pool.NodeId, cancellationToken).ConfigureAwait(false);
        if (size > limit)
        {
            throw new CacheFullException(size, limit, limit, $"The file is {size} bytes; the cache holds at most {limit}. Give the pool a larger capacity.");
        }

        while (used + size > limit)
        {
            var candidates = await pool.CacheIndex.ListEvictionCandidatesAsync(pool.NodeId, pool.Options.EvictionPolicy, pool.MinCopies, 64, cancellationToken)
                .ConfigureAwait(false);
            var evicted = false;
            foreach (var entry in candidates)
            {
                if (inUse.Contains(entry.Hash))
                {
                    continue;
                }

                await EvictEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                used -= entry.Size;
                evicted = true;
                if (used + size <= limit)
                {
                    return;
                }
            }

            if (!evicted)
            {
                throw new CacheFullException(size, limit - used, limit,
                    $"The cache has {limit - used} bytes free of {limit} and needs {size}; every other cached file is pinned, in use or not yet safe on the hosts. Run a sync so pending files become evictable, or give the pool a larger capacity.");
            }
        }
    }

    /// <summary>Drops a safe file from this node's cache now (it stays on the hosts).</summary>
    /// <returns>False when this node does not cache the file.</returns>
    /// <exception cref="InvalidOperationException">The file is not safe on the hosts yet, or it is pinned.</exception>
    internal async Task<bool> EvictAsync(ContentHash content, CancellationToken cancellationToken)
    {
        using (await pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            var entry = await pool.CacheIndex.FindCacheEntryAsync(pool.NodeId, content, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                return false;
            }

            var file = await pool.Files.FindFileAsync(content, cancellationToken).ConfigureAwait(false);
            if (file is null || file.StoredCopies < pool.MinCopies)
            {
                throw new InvalidOperationException(
                    $"{content} is held by {Counted.Of(file?.StoredCopies ?? 0, "host")}, fewer than the {pool.MinCopies} that make it safe; it stays cached until a sync copies it. Run a sync first.");
            }

            if (entry.Pinned)
            {
                throw new InvalidOperationException($"{content} is pinned; unpin it before evicting it.");
            }

            await EvictEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    private async Task EvictEntryAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        // Catalog first: a crash in between leaves an orphan file, which the next open removes.
        await removeEntry(entry.Hash, pool.Options.EvictionPolicy, cancellationToken).ConfigureAwait(false);
        DurableFile.DeleteQuietly(pool.Layout.PathOf(entry.Hash));
        pool.Logger.LogDebug("Evicted {Hash} ({Size} bytes).", entry.Hash, entry.Size);
    }
}
