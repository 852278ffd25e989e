using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager.Cache;

/// <summary>
/// Makes the cache folder and the catalog agree when the pool opens: removes leftover temp files,
/// adopts verified files that an interrupted install left without their entry, removes files the
/// catalog does not know, and drops entries whose file is gone or damaged.
/// </summary>
internal sealed class CacheReconciler(PoolContext pool, LocalCache cache)
{
    /// <summary>Runs once, under the cache gate, when the pool opens.</summary>
    internal async Task<CacheReconciliation> ReconcileAsync(CancellationToken cancellationToken)
    {
        var tempRemoved = pool.Layout.DeleteStaleTempFiles();
        var entries = (await pool.CacheIndex.ListCacheEntriesAsync(pool.NodeId, cancellationToken).ConfigureAwait(false))
            .ToDictionary(e => e.Hash);
        var seen = new HashSet<ContentHash>();
        int orphansRemoved = 0, orphansAdopted = 0;
        foreach (var (hash, path, length) in pool.Layout.EnumerateObjects().ToList())
        {
            if (hash is { } h && entries.TryGetValue(h, out var entry) && entry.Size == length)
            {
                seen.Add(h);
                continue;
            }

            if (hash is { } known && !entries.ContainsKey(known) && await TryAdoptAsync(known, path, length, cancellationToken).ConfigureAwait(false))
            {
                seen.Add(known);
                orphansAdopted++;
                continue;
            }

            if (hash is null || !entries.ContainsKey(hash.Value))
            {
                pool.Logger.LogWarning("Removing {Path} from the cache folder: the catalog does not know it.", path);
                DurableFile.DeleteQuietly(path);
                orphansRemoved++;
            }
        }

        var (missing, lost) = await DropMissingAsync(entries.Values.Where(e => !seen.Contains(e.Hash)), cancellationToken).ConfigureAwait(false);
        return new CacheReconciliation(tempRemoved, orphansRemoved, orphansAdopted, missing, lost);
    }

    /// <summary>Drops the entries whose file is gone or the wrong size, so the files can be fetched again.</summary>
    /// <returns>The files dropped, and among them those not yet safe on the hosts.</returns>
    private async Task<(List<ContentHash> Missing, List<ContentHash> Lost)> DropMissingAsync(
        IEnumerable<Catalog.CacheEntry> unseen, CancellationToken cancellationToken)
    {
        var missing = new List<ContentHash>();
        var lost = new List<ContentHash>();
        foreach (var entry in unseen)
        {
            // Gone or the wrong size: drop the entry (and a damaged file) so the file can be fetched again.
            DurableFile.DeleteQuietly(pool.Layout.PathOf(entry.Hash));
            await cache.RemoveEntryAsync(entry.Hash, null, cancellationToken).ConfigureAwait(false);
            missing.Add(entry.Hash);
            var file = await pool.Files.FindFileAsync(entry.Hash, cancellationToken).ConfigureAwait(false);
            if (file is not null && file.StoredCopies < pool.MinCopies)
            {
                lost.Add(entry.Hash);
                pool.Logger.LogError("The cached copy of {Hash} ({Name}) is gone and only {Copies} host(s) hold it.", entry.Hash, file.Name, file.StoredCopies);
            }
            else
            {
                pool.Logger.LogWarning("The cached copy of {Hash} is gone; it will be fetched from the hosts when asked for.", entry.Hash);
            }
        }

        return (missing, lost);
    }

    /// <summary>
    /// A file under <c>objects/</c> without a cache entry is what a crash between rename and commit
    /// leaves: keep it if the catalog knows the hash with this size and the bytes hash right.
    /// </summary>
    private async Task<bool> TryAdoptAsync(ContentHash hash, string path, long length, CancellationToken cancellationToken)
    {
        if (path != pool.Layout.PathOf(hash))
        {
            return false;
        }

        var file = await pool.Files.FindFileAsync(hash, cancellationToken).ConfigureAwait(false);
        if (file is null || file.Size != length)
        {
            return false;
        }

        // A safe file that no longer fits can be fetched again later; only an unsafe one must be kept regardless.
        var used = await pool.CacheIndex.GetUsedBytesAsync(pool.NodeId, cancellationToken).ConfigureAwait(false);
        if (used + length > pool.CacheLimit && file.StoredCopies >= pool.MinCopies)
        {
            return false;
        }

        var stream = DurableFile.OpenSequentialRead(path);
        await using (stream.ConfigureAwait(false))
        {
            if (await ContentHash.ComputeAsync(stream, cancellationToken).ConfigureAwait(false) != hash)
            {
                return false;
            }
        }

        await pool.CacheIndex.AddCachedFileAsync(pool.NodeId, file, pool.Options.EvictionPolicy, 0, pool.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
