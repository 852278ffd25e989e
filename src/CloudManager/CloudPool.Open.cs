using CloudManager.Cache;

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

            _pool.Layout.CreateFolders();
            await EnsureCatalogReadyAsync(cancellationToken).ConfigureAwait(false);
            using (await _pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                _pool.Layout.ClaimTempFolder();
                _pool.NodeId = _pool.Options.NodeId ?? _pool.Layout.ReadOrCreateNodeId();
                await _pool.Catalog.EnsureNodeAsync(_pool.NodeId, _pool.Options.EvictionPolicy, _pool.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }

            // Which hosts this node has decides which copies count, before reconciling may evict safe files.
            await _pool.SharedTime.CalibrateAsync(_pool.Catalog, cancellationToken).ConfigureAwait(false);
            await _pool.Identities.LoadAsync(cancellationToken).ConfigureAwait(false);

            // Takes the gate for each of its steps: hashing the files to adopt need not hold up other processes.
            _reconciliation = await _reconciler.ReconcileAsync(cancellationToken).ConfigureAwait(false);

            _opened = true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException || CacheStorageException.IsDiskRefusal(e))
        {
            // Every file touched here but the catalog (which raises its own errors) is in the cache folder.
            throw CacheStorageException.For(_pool.Layout.Root, "the working folders", e);
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

        await _pool.Catalog.MigrateAsync(cancellationToken).ConfigureAwait(false);
        _catalogReady = true;
    }

    /// <summary>
    /// This node's id without opening the cache: the configured id, the one the cache folder
    /// records, or null when the folder has none yet (then the node caches nothing).
    /// </summary>
    private string? PeekNodeId() => _opened ? _pool.NodeId : _pool.Options.NodeId ?? _pool.Layout.TryReadNodeId();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
