using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager;

public sealed partial class CloudPool
{
    private async Task EnsureOpenAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (_opened)
        {
            return;
        }

        await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_opened)
            {
                return;
            }

            _layout.CreateFolders();
            await EnsureCatalogReadyAsync(cancellationToken).ConfigureAwait(false);
            using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                _layout.ClaimTempFolder();
                _nodeId = _options.NodeId ?? _layout.ReadOrCreateNodeId();
                await _catalog.EnsureNodeAsync(_nodeId, _options.EvictionPolicy, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                _reconciliation = await ReconcileAsync(cancellationToken).ConfigureAwait(false);
            }

            _opened = true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException || CacheStorageException.IsDiskRefusal(e))
        {
            // Every file touched here but the catalog (which raises its own errors) is in the cache folder.
            throw CacheStorageException.For(_layout.Root, "the working folders", e);
        }
        finally
        {
            _openLock.Release();
        }
    }

    /// <summary>
    /// The first stage of opening, enough for questions to the catalog alone (<see cref="ExistsAsync"/>,
    /// <see cref="InfoAsync"/>): the schema is checked or upgraded, while the cache folder is left
    /// alone. A one-shot <c>cm exists</c> then costs one lookup, not a scan of the cache.
    /// </summary>
    private async Task EnsureCatalogReadyAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (_catalogReady)
        {
            return;
        }

        await _catalog.MigrateAsync(cancellationToken).ConfigureAwait(false);
        _catalogReady = true;
    }

    /// <summary>
    /// This node's id without opening the cache: the configured id, the one the cache folder
    /// records, or null when the folder has none yet (then the node caches nothing).
    /// </summary>
    private string? PeekNodeId() => _opened ? _nodeId : _options.NodeId ?? _layout.TryReadNodeId();

    /// <summary>Makes the cache folder and the catalog agree; runs under the cache gate when the pool opens.</summary>
    private async Task<CacheReconciliation> ReconcileAsync(CancellationToken cancellationToken)
    {
        var tempRemoved = _layout.DeleteStaleTempFiles();
        var entries = (await _catalog.ListCacheEntriesAsync(_nodeId, cancellationToken).ConfigureAwait(false))
            .ToDictionary(e => e.Hash);
        var seen = new HashSet<ContentHash>();
        int orphansRemoved = 0, orphansAdopted = 0;
        foreach (var (hash, path, length) in _layout.EnumerateObjects().ToList())
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
                _logger.LogWarning("Removing {Path} from the cache folder: the catalog does not know it.", path);
                DurableFile.DeleteQuietly(path);
                orphansRemoved++;
            }
        }

        var missing = new List<ContentHash>();
        var lost = new List<ContentHash>();
        foreach (var entry in entries.Values.Where(e => !seen.Contains(e.Hash)))
        {
            // Gone or the wrong size: drop the entry (and a damaged file) so the file can be fetched again.
            DurableFile.DeleteQuietly(_layout.PathOf(entry.Hash));
            await RemoveCacheEntryAsync(entry.Hash, null, cancellationToken).ConfigureAwait(false);
            missing.Add(entry.Hash);
            var file = await _catalog.FindFileAsync(entry.Hash, cancellationToken).ConfigureAwait(false);
            if (file is not null && file.StoredCopies < _options.MinCopies)
            {
                lost.Add(entry.Hash);
                _logger.LogError("The cached copy of {Hash} ({Name}) is gone and only {Copies} host(s) hold it.", entry.Hash, file.Name, file.StoredCopies);
            }
            else
            {
                _logger.LogWarning("The cached copy of {Hash} is gone; it will be fetched from the hosts when asked for.", entry.Hash);
            }
        }

        return new CacheReconciliation(tempRemoved, orphansRemoved, orphansAdopted, missing, lost);
    }

    /// <summary>
    /// A file under <c>objects/</c> without a cache entry is what a crash between rename and commit
    /// leaves: keep it if the catalog knows the hash with this size and the bytes hash right.
    /// </summary>
    private async Task<bool> TryAdoptAsync(ContentHash hash, string path, long length, CancellationToken cancellationToken)
    {
        if (path != _layout.PathOf(hash))
        {
            return false;
        }

        var file = await _catalog.FindFileAsync(hash, cancellationToken).ConfigureAwait(false);
        if (file is null || file.Size != length)
        {
            return false;
        }

        // A safe file that no longer fits can be fetched again later; only an unsafe one must be kept regardless.
        var used = await _catalog.GetUsedBytesAsync(_nodeId, cancellationToken).ConfigureAwait(false);
        if (used + length > CacheLimit && file.StoredCopies >= _options.MinCopies)
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

        await _catalog.AddCachedFileAsync(_nodeId, file, _options.EvictionPolicy, 0, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
