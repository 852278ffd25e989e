using CloudManager.Catalog;
using CloudManager.Eviction;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager.Cache;

/// <summary>
/// This node's cache folder and its entries in the catalog: installs verified files and records
/// them, drops files that vanished, counts the holds that keep a file from eviction (room is made by
/// its <see cref="Eviction.Evictor"/>), and opens cached files for reading (with the recent lookups
/// and the copies in memory of small hot files that serve repeated reads).
/// </summary>
/// <remarks>
/// Every change to the folder or to this node's entries happens under the cache gate
/// (<see cref="PoolContext.Gate"/>); methods that say "call under the gate" expect the caller to hold it.
/// </remarks>
internal sealed class LocalCache : IAsyncDisposable
{
    private readonly PoolContext _pool;
    private readonly CacheHitRecorder _hits;
    private readonly RecentLookups _lookups;

    internal LocalCache(PoolContext pool)
    {
        _pool = pool;
        _hits = new CacheHitRecorder(pool.CacheIndex, pool.Options.EvictionPolicy, pool.Time, pool.Logger, () => pool.NodeId);
        _lookups = new RecentLookups(pool.Time);
        Memory = new HotFileMemory(pool.Options.MemoryCacheBytes, pool.Options.MemoryCacheMaxFileSize);
        Evictor = new Evictor(pool, InUse, _hits, RemoveEntryAsync);
    }

    /// <summary>The holds that keep files from eviction by this pool.</summary>
    internal InUseCounts InUse { get; } = new();

    /// <summary>Makes room by evicting safe files, and evicts on request.</summary>
    internal Evictor Evictor { get; }

    /// <summary>The copies in memory of small hot cached files.</summary>
    internal HotFileMemory Memory { get; }

    private CacheLayout Layout => _pool.Layout;

    /// <summary>The path a cached file has in the folder.</summary>
    internal string PathOf(ContentHash hash) => Layout.PathOf(hash);

    /// <summary>Whether the folder holds the file at the size its entry records.</summary>
    internal bool IsPresent(ContentHash hash, long size)
    {
        var info = new FileInfo(Layout.PathOf(hash));
        return info.Exists && info.Length == size;
    }

    /// <summary>Counts a hit on a cached file for the eviction policy (written to the catalog in batches).</summary>
    internal void RecordHit(ContentHash hash) => _hits.Add(hash);

    /// <summary>Pins or unpins a cached file.</summary>
    /// <returns>False when this node does not cache the file.</returns>
    internal Task<bool> SetPinnedAsync(ContentHash content, bool pinned, CancellationToken cancellationToken) =>
        _pool.CacheIndex.SetPinnedAsync(_pool.NodeId, content, pinned, cancellationToken);

    /// <summary>
    /// Moves a verified, flushed temp file into place (its folder flushed) and records it as cached
    /// here, its bytes counted as incoming. Call under the gate, after making room.
    /// </summary>
    /// <remarks>A refused record removes the file again, as the batch overload does.</remarks>
    internal Task InstallAndRecordAsync(string tempPath, FileRecord file)
    {
        Layout.Install(tempPath, file.Hash);
        return RecordInstalledAsync([file], catalog => catalog.AddCachedFileAsync(
            _pool.NodeId, file, _pool.Options.EvictionPolicy, file.Size, _pool.Time.GetUtcNow(), CancellationToken.None));
    }

    /// <summary>
    /// Moves several verified, flushed temp files into place, flushes each folder whose entries
    /// changed once through <paramref name="flush"/>, and records them all as cached here in one
    /// transaction, their bytes counted as incoming. Call under the gate, after making room.
    /// </summary>
    /// <remarks>
    /// When the catalog refuses the record (its disk is full, it is locked), the files it did not
    /// record leave the cache again, so that no cached file lacks its row even before the next
    /// opening would find it. The single-file overload does the same.
    /// </remarks>
    internal async Task InstallAndRecordAsync(IReadOnlyList<(string TempPath, FileRecord File)> files, IBatchFlush flush)
    {
        var folders = Layout.MoveAll([.. files.Select(f => (f.TempPath, f.File.Hash))]);
        var records = files.Select(f => f.File).ToList();
        try
        {
            await flush.FlushFoldersAsync(folders).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Not recorded, and the caller is told the upload failed (it still has the sources): the
            // files leave the cache again, as when the catalog refuses them, rather than being
            // adopted under a made-up name by the next opening.
            await RemoveUnrecordedAsync(records).ConfigureAwait(false);
            throw;
        }

        await RecordInstalledAsync(records, catalog => catalog.AddCachedFilesAsync(
            _pool.NodeId, records, _pool.Options.EvictionPolicy, _pool.Time.GetUtcNow(), CancellationToken.None)).ConfigureAwait(false);
    }

    /// <summary>
    /// Records files already moved into place; when the catalog refuses, removes those it has no
    /// entry for (another process may have recorded the same bytes meanwhile: those stay).
    /// </summary>
    private async Task RecordInstalledAsync(IReadOnlyList<FileRecord> files, Func<ICacheIndex, Task> record)
    {
        try
        {
            // From here the files are in place: finish recording them even if the caller gives up now.
            await record(_pool.CacheIndex).ConfigureAwait(false);
        }
        catch (CatalogException)
        {
            await RemoveUnrecordedAsync(files).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Removes the just installed files this node has no entry for (another process may have recorded the same bytes meanwhile: those stay).</summary>
    private async Task RemoveUnrecordedAsync(IReadOnlyList<FileRecord> files)
    {
        foreach (var file in files)
        {
            if (await RecordedAsCachedAsync(file.Hash).ConfigureAwait(false) is false)
            {
                DurableFile.DeleteQuietly(Layout.PathOf(file.Hash));
            }
        }
    }

    /// <summary>
    /// Keeps a verified temp file of a known file in the cache when it is not cached yet and room can
    /// be made; never fails for want of room. Takes the gate.
    /// </summary>
    /// <returns>Whether the file was installed (its bytes then count as incoming).</returns>
    internal async Task<bool> TryInstallKnownAsync(FileRecord file, string temp, CancellationToken cancellationToken)
    {
        using (await _pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                return await InstallKnownAsync(file, temp, cancellationToken).ConfigureAwait(false);
            }
            catch (CacheFullException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Installs a verified temp file of a known file unless the cache already holds it, making room
    /// as needed (a stale entry is dropped first). Call under the gate.
    /// </summary>
    /// <returns>Whether the file was installed; false when the cache already held it.</returns>
    /// <exception cref="CacheFullException">No room can be made for it.</exception>
    internal async Task<bool> InstallKnownAsync(FileRecord file, string temp, CancellationToken cancellationToken)
    {
        var entry = await _pool.CacheIndex.FindCacheEntryAsync(_pool.NodeId, file.Hash, cancellationToken).ConfigureAwait(false);
        if (entry is not null && IsPresent(file.Hash, entry.Size))
        {
            return false;
        }

        if (entry is not null)
        {
            // A file of the wrong size is kept aside, not overwritten by the verified copy.
            MoveToQuarantine(Layout.PathOf(file.Hash), file.Hash.ToString(), $"its size is not the {entry.Size} bytes the catalog records");
            await RemoveEntryAsync(file.Hash, null, cancellationToken).ConfigureAwait(false);
        }

        await Evictor.MakeRoomAsync(file.Size, cancellationToken).ConfigureAwait(false);
        await InstallAndRecordAsync(temp, file).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Drops the entry of a cached file that is gone from the folder or has the wrong size (that file
    /// is moved to the quarantine folder, not deleted), so that it can be fetched again; logs an error
    /// when the file was not yet safe. Takes the gate.
    /// </summary>
    internal async Task DropVanishedAsync(FileRecord file, CancellationToken cancellationToken)
    {
        using (await _pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            var entry = await _pool.CacheIndex.FindCacheEntryAsync(_pool.NodeId, file.Hash, cancellationToken).ConfigureAwait(false);
            if (entry is not null && !IsPresent(file.Hash, entry.Size))
            {
                MoveToQuarantine(Layout.PathOf(file.Hash), file.Hash.ToString(), $"its size is not the {entry.Size} bytes the catalog records");
                await RemoveEntryAsync(file.Hash, null, cancellationToken).ConfigureAwait(false);
                if (file.StoredCopies < _pool.MinCopies)
                {
                    _pool.Logger.LogError("The cached copy of {Hash} ({Name}) vanished while only {Copies} host(s) hold it.", file.Hash, file.Name, file.StoredCopies);
                }
            }
        }
    }

    /// <summary>
    /// Takes a cached file whose bytes are not what they should be out of the cache without deleting
    /// it: under the cache gate, moves <c>objects/ab/&lt;hash&gt;</c> to
    /// <c>quarantine/&lt;hash&gt;.&lt;yyyyMMddTHHmmssZ&gt;</c> in the cache folder (created when missing),
    /// removes this node's cache entry of the file if any, and logs a warning. Takes the gate.
    /// </summary>
    /// <param name="hash">The file.</param>
    /// <param name="reason">Why, for the log: what was wrong with the bytes.</param>
    /// <param name="cancellationToken">Cancels the wait for the gate; once the file is moved its entry is removed regardless.</param>
    /// <returns>Where the file went; null when it was not in the cache folder (the entry is removed all the same).</returns>
    internal async Task<string?> QuarantineAsync(ContentHash hash, string reason, CancellationToken cancellationToken)
    {
        using (await _pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            return (await QuarantineUnderGateAsync(hash, reason).ConfigureAwait(false))?.QuarantinePath;
        }
    }

    /// <summary>What <see cref="QuarantineAsync"/> does, for a caller that holds the gate.</summary>
    /// <returns>The file moved, or null when the cache folder did not hold it (its entry is removed all the same).</returns>
    internal async Task<QuarantinedFile?> QuarantineUnderGateAsync(ContentHash hash, string reason)
    {
        var moved = MoveToQuarantine(Layout.PathOf(hash), hash.ToString(), reason);
        // The bytes are safe first; a crash before this line leaves an entry without its file, which the next opening drops.
        await RemoveEntryAsync(hash, null, CancellationToken.None).ConfigureAwait(false);
        return moved;
    }

    /// <summary>
    /// Moves one file from the cache folder to the quarantine folder under <paramref name="name"/>
    /// and a time, and logs a warning; leaves the catalog alone. Call under the gate.
    /// </summary>
    /// <returns>The file moved, or null when it was not there.</returns>
    internal QuarantinedFile? MoveToQuarantine(string path, string name, string reason)
    {
        long size;
        string target;
        try
        {
            size = new FileInfo(path).Length;
            target = Layout.MoveToQuarantine(path, name, _pool.Time.GetUtcNow());
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        _pool.Logger.LogWarning(
            "Moved {Path} to {Target}, not deleted: {Reason}. It is no longer part of the pool; keep what you need elsewhere, then delete it yourself.",
            path, target, reason);
        return new QuarantinedFile(path, target, size, reason);
    }

    /// <summary>
    /// Removes this node's cache entry of a file from the catalog and forgets what is remembered of
    /// it. Pass the policy for an eviction (it ages the node and remembers the file's count), null
    /// when the file merely vanished.
    /// </summary>
    internal async Task RemoveEntryAsync(ContentHash hash, IEvictionPolicy? policy, CancellationToken cancellationToken)
    {
        await _pool.CacheIndex.RemoveCacheEntryAsync(_pool.NodeId, hash, policy, cancellationToken).ConfigureAwait(false);
        Forget(hash);
    }

    /// <summary>
    /// Looks a file up and, when the cache holds it, opens it in the same step: the recent answer or
    /// one catalog query, and no fetch. See <see cref="CloudPool.FindAndOpenIfCachedAsync"/>.
    /// </summary>
    internal async Task<FileLookup?> FindAndOpenIfCachedAsync(ContentHash content, CancellationToken cancellationToken)
    {
        var path = Layout.PathOf(content);
        // A recent answer spares the catalog query; the open below checks it against the cache folder.
        if (_lookups.TryGet(content, out var known, out var knownSize))
        {
            // Read again within the answer's lifetime: a hot file, worth a copy in memory when it is small.
            if (TryOpenCached(content, path, knownSize, loadIntoMemory: true) is { } stream)
            {
                _hits.Add(content);
                return new FileLookup(known, stream);
            }

            Forget(content);
        }

        if (await _pool.CacheIndex.FindFileOnNodeAsync(_pool.NodeId, content, cancellationToken).ConfigureAwait(false) is not var (file, cachedSize))
        {
            return null;
        }

        if (cachedSize is not { } size)
        {
            return new FileLookup(file, null);
        }

        if (TryOpenCached(content, path, size, loadIntoMemory: false) is { } opened)
        {
            _lookups.Remember(file, size);
            _hits.Add(content);
            return new FileLookup(file, opened);
        }

        // Evicted by another process since the catalog answered: the caller's OpenReadAsync fetches it.
        return new FileLookup(file, null);
    }

    /// <summary>Writes the hits not yet recorded and stops the timer that writes them.</summary>
    public ValueTask DisposeAsync() => _hits.DisposeAsync();

    /// <summary>Whether the catalog has a cache entry for the file here; null when the catalog cannot tell now.</summary>
    private async Task<bool?> RecordedAsCachedAsync(ContentHash hash)
    {
        try
        {
            return await _pool.CacheIndex.FindCacheEntryAsync(_pool.NodeId, hash, CancellationToken.None).ConfigureAwait(false) is not null;
        }
        catch (CatalogException)
        {
            // Left in place: the next opening reconciles the folder with whatever the catalog holds.
            return null;
        }
    }

    /// <summary>Forgets the recent lookup of a file and drops its copy in memory.</summary>
    private void Forget(ContentHash hash)
    {
        _lookups.Forget(hash);
        Memory.Remove(hash);
    }

    /// <summary>
    /// The cached bytes of a file of <paramref name="size"/> bytes: its copy in memory when one is
    /// kept and still matches the file (or, with <paramref name="loadIntoMemory"/>, can be made now),
    /// else the cached file opened and marked in use; null when it is missing or of another size.
    /// </summary>
    private Stream? TryOpenCached(ContentHash content, string path, long size, bool loadIntoMemory)
    {
        if ((Memory.TryGet(content, path, size) ?? (loadIntoMemory ? Memory.TryLoad(content, path, size) : null)) is { } bytes)
        {
            // Read-only and not exposed: callers cannot change the kept bytes through it.
            return new MemoryStream(bytes, writable: false);
        }

        return TryOpenCachedFile(content, path, size);
    }

    /// <summary>
    /// Opens the cached copy of a file, marked in use, when it is in the cache folder at the size the
    /// catalog records; null when it is missing or of another size (the mark is released then).
    /// </summary>
    private InUseFileStream? TryOpenCachedFile(ContentHash content, string path, long size)
    {
        InUse.Mark(content);
        FileStream? file = null;
        try
        {
            file = DurableFile.OpenCachedRead(path, size);
            if (file.Length == size)
            {
                var stream = new InUseFileStream(file, () => InUse.Release(content));
                file = null;
                return stream;
            }
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Evicted by another process.
        }
        catch
        {
            InUse.Release(content);
            throw;
        }
        finally
        {
            file?.Dispose();
        }

        InUse.Release(content);
        return null;
    }
}
