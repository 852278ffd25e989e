using CloudManager.Catalog;
using CloudManager.Eviction;
using CloudManager.Hosts;
using CloudManager.IO;
using CloudManager.Replication;
using Microsoft.Extensions.Logging;

namespace CloudManager;

public sealed partial class CloudPool
{
    /// <summary>
    /// Adds a file to the pool: reads it once, hashing while copying it into the cache, flushes it to
    /// disk and records it. A file the catalog already knows adds nothing and returns at once.
    /// </summary>
    /// <param name="path">The file to add.</param>
    /// <param name="cancellationToken">Cancels the upload; nothing is left behind.</param>
    /// <returns>The file's SHA-256 as 64 lowercase hexadecimal digits.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CacheFullException">The file is larger than the cache allows, or no room can be made now.</exception>
    public Task<string> UploadAsync(string path, CancellationToken cancellationToken = default) =>
        UploadAsync(path, progress: null, cancellationToken);

    /// <summary>
    /// Adds a file to the pool as <see cref="UploadAsync(string, CancellationToken)"/> does, reporting
    /// how many of its bytes have been read so far.
    /// </summary>
    /// <param name="path">The file to add.</param>
    /// <param name="progress">Receives the bytes read so far after every block; null for none.</param>
    /// <param name="cancellationToken">Cancels the upload; nothing is left behind.</param>
    /// <returns>The file's SHA-256 as 64 lowercase hexadecimal digits.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CacheFullException">The file is larger than the cache allows, or no room can be made now.</exception>
    /// <exception cref="SourceChangedException">The file changed while it was read.</exception>
    /// <exception cref="SourceUnreadableException">The file cannot be read: permission denied, or an I/O error of its device.</exception>
    /// <exception cref="CacheStorageException">The cache folder's disk is full or read-only.</exception>
    /// <exception cref="CatalogStorageException">The catalog's disk is full: the file was not added.</exception>
    public async Task<string> UploadAsync(string path, IProgress<long>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var source = new FileInfo(path);
        if (!source.Exists)
        {
            throw new FileNotFoundException($"Cannot upload '{path}': no such file.", path);
        }

        EnsureFitsCache(path, source.Length);
        var lengthBefore = source.Length;
        var writtenBefore = source.LastWriteTimeUtc;
        Stream input;
        try
        {
            input = new SourceReadStream(DurableFile.OpenSequentialRead(source.FullName), path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException and not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw SourceUnreadableException.For(path, e);
        }

        await using (input.ConfigureAwait(false))
        {
            return await UploadFromStreamAsync(input, lengthBefore, source.Name, $"'{path}'", progress, cancellationToken,
                lengthRead => EnsureUnchanged(source, path, lengthBefore, writtenBefore, lengthRead)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes sure the file is in this node's cache and returns its path: at once when cached,
    /// otherwise fetched from the healthiest host that holds it, verified (size and SHA-256) while it
    /// streams, and only then placed in the cache. Concurrent calls for one file share one download.
    /// </summary>
    /// <returns>The path of the cached file; read it, do not change it.</returns>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 64 hexadecimal digits.</exception>
    /// <exception cref="UnknownContentException">The catalog does not know the file.</exception>
    /// <exception cref="ContentUnavailableException">No configured host could deliver a good copy.</exception>
    /// <exception cref="CacheFullException">No room can be made for it.</exception>
    /// <exception cref="CacheStorageException">The cache folder's disk is full or read-only.</exception>
    public async Task<string> WarmUpAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var (file, cachedSize) = await _catalog.FindFileOnNodeAsync(_nodeId, content, cancellationToken).ConfigureAwait(false)
            ?? throw new UnknownContentException(content);
        if (cachedSize is { } size)
        {
            if (IsPresent(content, size))
            {
                _hits.Add(content);
                return _layout.PathOf(content);
            }

            await DropVanishedAsync(file, cancellationToken).ConfigureAwait(false);
        }

        var shared = _warmUps.GetOrAdd(content, _ => new Lazy<Task<string>>(() => FetchSharedAsync(file)));
        return await shared.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same as <see cref="WarmUpAsync"/> (the seed's <c>download</c>).</summary>
    public Task<string> DownloadAsync(string hash, CancellationToken cancellationToken = default) => WarmUpAsync(hash, cancellationToken);

    /// <summary>
    /// Copies the file to <paramref name="destinationPath"/> (through a temp name in the same folder,
    /// flushed, then renamed) and keeps it in the cache: a cached file is copied out; one that is not
    /// is fetched once from the healthiest host that holds it, verified while it streams, and written
    /// to the cache and the destination side by side. The copy counts as outgoing bytes.
    /// </summary>
    /// <param name="hash">The file.</param>
    /// <param name="destinationPath">Where to write it.</param>
    /// <param name="overwrite">Whether an existing file there may be replaced.</param>
    /// <param name="cancellationToken">Cancels the copy; nothing is left behind.</param>
    /// <exception cref="IOException">The destination exists and <paramref name="overwrite"/> is false.</exception>
    public Task DownloadAsync(string hash, string destinationPath, bool overwrite, CancellationToken cancellationToken = default) =>
        DownloadAsync(hash, destinationPath, overwrite, progress: null, cancellationToken);

    /// <summary>
    /// Copies the file out as <see cref="DownloadAsync(string, string, bool, CancellationToken)"/> does,
    /// reporting the bytes written to the destination so far: 0 when the copy starts, then after every
    /// block (a fetch that moves on to another host starts again from 0).
    /// </summary>
    /// <remarks>
    /// A file that is not cached is written twice at once instead of one copy after the other: into
    /// the cache and to the destination, both flushed before either is renamed into place. When the
    /// cache cannot make room for it (every other file pinned, in use or not yet safe, or the file is
    /// larger than the cache), the destination still gets it and the cache stays as it was.
    /// </remarks>
    /// <param name="hash">The file.</param>
    /// <param name="destinationPath">Where to write it.</param>
    /// <param name="overwrite">Whether an existing file there may be replaced.</param>
    /// <param name="progress">Receives the bytes written so far; null for none.</param>
    /// <param name="cancellationToken">Cancels the copy; nothing is left behind.</param>
    /// <exception cref="IOException">The destination exists and <paramref name="overwrite"/> is false.</exception>
    /// <exception cref="UnknownContentException">The catalog does not know the file.</exception>
    /// <exception cref="ContentUnavailableException">The file is not cached and no configured host could deliver a good copy.</exception>
    public Task DownloadAsync(string hash, string destinationPath, bool overwrite, IProgress<long>? progress, CancellationToken cancellationToken = default) =>
        DownloadToAsync(hash, destinationPath, overwrite, keepInCache: true, progress, cancellationToken);

    /// <summary>
    /// Copies the file to <paramref name="destinationPath"/> without filling the cache: a cached file
    /// is copied out as <see cref="DownloadAsync(string, string, bool, IProgress{long}, CancellationToken)"/>
    /// does; one that is not cached is streamed from the healthiest host that holds it straight to a
    /// temp name beside the destination, verified (size and SHA-256) while it streams, flushed, and
    /// renamed. The file is written once, and the cache's other files stay. The bytes count as
    /// incoming and outgoing.
    /// </summary>
    /// <param name="hash">The file.</param>
    /// <param name="destinationPath">Where to write it.</param>
    /// <param name="overwrite">Whether an existing file there may be replaced.</param>
    /// <param name="progress">Receives the bytes written so far; null for none.</param>
    /// <param name="cancellationToken">Cancels the copy; nothing is left behind.</param>
    /// <exception cref="IOException">The destination exists and <paramref name="overwrite"/> is false.</exception>
    /// <exception cref="UnknownContentException">The catalog does not know the file.</exception>
    /// <exception cref="ContentUnavailableException">The file is not cached and no configured host could deliver a good copy.</exception>
    public Task DownloadBypassingCacheAsync(
        string hash, string destinationPath, bool overwrite, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        DownloadToAsync(hash, destinationPath, overwrite, keepInCache: false, progress, cancellationToken);

    private async Task DownloadToAsync(
        string hash, string destinationPath, bool overwrite, bool keepInCache, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var destination = Path.GetFullPath(destinationPath);
        if (!overwrite && Path.Exists(destination))
        {
            throw new IOException($"'{destinationPath}' already exists; choose another path or allow overwriting.");
        }

        var content = ParseHash(hash);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var (file, cachedSize) = await _catalog.FindFileOnNodeAsync(_nodeId, content, cancellationToken).ConfigureAwait(false)
            ?? throw new UnknownContentException(content);
        var cached = cachedSize is { } size && IsPresent(content, size);
        if (cached || (keepInCache && _warmUps.ContainsKey(content)))
        {
            // Cached, or on its way into the cache already: copy it out rather than fetch it a second time.
            await CopyOutOfCacheAsync(hash, destination, destinationPath, overwrite, progress, cancellationToken).ConfigureAwait(false);
            return;
        }

        var folder = Path.GetDirectoryName(destination)!;
        var alsoCache = keepInCache && file.Size <= CacheLimit;
        progress?.Report(0);
        await FetchVerifiedAsync(file, () =>
        {
            var beside = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.partial");
            return alsoCache ? [beside, _layout.NewTempPath()] : [beside];
        }, async temps =>
        {
            if (!overwrite && Path.Exists(destination))
            {
                throw new IOException($"'{destinationPath}' appeared while the file was fetched; nothing was overwritten.");
            }

            // Before the destination is in place: a catalog that refuses the record fails the download whole.
            var counted = temps.Count > 1 && await TryInstallKnownAsync(file, temps[1], cancellationToken).ConfigureAwait(false);
            DurableFile.MoveIntoPlace(temps[0], destination);
            // An installed file's incoming bytes were counted with its cache record.
            await _catalog.AddTransferAsync(_nodeId, counted ? 0 : file.Size, file.Size, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            return destination;
        }, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies a cached file out to a temp name beside the destination, flushes it and renames it into place.</summary>
    private async Task CopyOutOfCacheAsync(
        string hash, string destination, string destinationPath, bool overwrite, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(destination)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.partial");
        try
        {
            long length;
            // Opened as a held read: another process may evict the file between its warm-up and the open.
            var input = await OpenReadAsync(hash, cancellationToken).ConfigureAwait(false);
            await using (input.ConfigureAwait(false))
            {
                var output = DurableFile.CreateForWrite(temp, input.Length);
                await using (output.ConfigureAwait(false))
                {
                    progress?.Report(0);
                    await DurableFile.CopyAsync(input, output, progress, cancellationToken).ConfigureAwait(false);
                    await DurableFile.FlushToDiskAsync(output, cancellationToken).ConfigureAwait(false);
                    length = output.Length;
                }
            }

            if (!overwrite && Path.Exists(destination))
            {
                throw new IOException($"'{destinationPath}' appeared while the file was copied; nothing was overwritten.");
            }

            DurableFile.MoveIntoPlace(temp, destination);
            await _catalog.AddTransferAsync(_nodeId, 0, length, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            DurableFile.DeleteQuietly(temp);
        }
    }

    /// <summary>Drops a safe file from this node's cache now (it stays on the hosts).</summary>
    /// <returns>False when this node does not cache the file.</returns>
    /// <exception cref="InvalidOperationException">The file is not safe on the hosts yet, or it is pinned: evicting it now could lose it or break the pin.</exception>
    public async Task<bool> EvictAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            var entry = await _catalog.FindCacheEntryAsync(_nodeId, content, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                return false;
            }

            var file = await _catalog.FindFileAsync(content, cancellationToken).ConfigureAwait(false);
            if (file is null || file.StoredCopies < _options.MinCopies)
            {
                throw new InvalidOperationException(
                    $"{content} is held by {file?.StoredCopies ?? 0} host(s), fewer than the {_options.MinCopies} that make it safe; it stays cached until a sync copies it. Run a sync first.");
            }

            if (entry.Pinned)
            {
                throw new InvalidOperationException($"{content} is pinned; unpin it before evicting it.");
            }

            await EvictEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>
    /// Keeps a verified temp file of a known file in the cache when it is not cached yet and room can
    /// be made; never fails for want of room.
    /// </summary>
    /// <returns>Whether the file was installed (its bytes then count as incoming).</returns>
    private async Task<bool> TryInstallKnownAsync(FileRecord file, string temp, CancellationToken cancellationToken)
    {
        using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            var entry = await _catalog.FindCacheEntryAsync(_nodeId, file.Hash, cancellationToken).ConfigureAwait(false);
            if (entry is not null && IsPresent(file.Hash, entry.Size))
            {
                return false;
            }

            if (entry is not null)
            {
                await RemoveCacheEntryAsync(file.Hash, null, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await MakeRoomAsync(file.Size, cancellationToken).ConfigureAwait(false);
            }
            catch (CacheFullException)
            {
                return false;
            }

            await InstallAndRecordAsync(temp, file).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>
    /// Moves a verified temp file into place and records it as cached here, under the cache gate. When
    /// the catalog refuses the record (its disk is full, it is locked), the file leaves the cache
    /// again, so that no cached file lacks its row even before the next reopening would find it.
    /// </summary>
    private async Task InstallAndRecordAsync(string temp, FileRecord file)
    {
        _layout.Install(temp, file.Hash);
        try
        {
            // From here the file is in place: finish recording it even if the caller gives up now.
            await _catalog.AddCachedFileAsync(_nodeId, file, _options.EvictionPolicy, file.Size, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (CatalogException)
        {
            if (await RecordedAsCachedAsync(file.Hash).ConfigureAwait(false) is false)
            {
                DurableFile.DeleteQuietly(_layout.PathOf(file.Hash));
            }

            throw;
        }
    }

    /// <summary>Whether the catalog has a cache entry for the file here; null when the catalog cannot tell now.</summary>
    private async Task<bool?> RecordedAsCachedAsync(ContentHash hash)
    {
        try
        {
            return await _catalog.FindCacheEntryAsync(_nodeId, hash, CancellationToken.None).ConfigureAwait(false) is not null;
        }
        catch (CatalogException)
        {
            // Left in place: the next opening reconciles the folder with whatever the catalog holds.
            return null;
        }
    }

    private async Task DropVanishedAsync(FileRecord file, CancellationToken cancellationToken)
    {
        using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            var entry = await _catalog.FindCacheEntryAsync(_nodeId, file.Hash, cancellationToken).ConfigureAwait(false);
            if (entry is not null && !IsPresent(file.Hash, entry.Size))
            {
                DurableFile.DeleteQuietly(_layout.PathOf(file.Hash));
                await RemoveCacheEntryAsync(file.Hash, null, cancellationToken).ConfigureAwait(false);
                if (file.StoredCopies < _options.MinCopies)
                {
                    _logger.LogError("The cached copy of {Hash} ({Name}) vanished while only {Copies} host(s) hold it.", file.Hash, file.Name, file.StoredCopies);
                }
            }
        }
    }

    private async Task<string> FetchSharedAsync(FileRecord file)
    {
        // Yield first so that the entry is in the dictionary before the finally below removes it.
        await Task.Yield();
        try
        {
            return await FetchAsync(file).ConfigureAwait(false);
        }
        finally
        {
            _warmUps.TryRemove(file.Hash, out _);
        }
    }

    /// <summary>Downloads a file from the hosts into the cache; shared by concurrent warm-ups of one file.</summary>
    private Task<string> FetchAsync(FileRecord file)
    {
        // Shared by several callers: none of their tokens may cancel it for the others.
        var cancellationToken = CancellationToken.None;
        if (file.Size > CacheLimit)
        {
            throw new CacheFullException(file.Size, CacheLimit, CacheLimit, $"{file.Hash} is {file.Size} bytes; the cache holds at most {CacheLimit}. Give the pool a larger capacity.");
        }

        return FetchVerifiedAsync(file, () => [_layout.NewTempPath()], async temps =>
        {
            var temp = temps[0];
            using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                var entry = await _catalog.FindCacheEntryAsync(_nodeId, file.Hash, cancellationToken).ConfigureAwait(false);
                if (entry is null || !IsPresent(file.Hash, entry.Size))
                {
                    if (entry is not null)
                    {
                        await RemoveCacheEntryAsync(file.Hash, null, cancellationToken).ConfigureAwait(false);
                    }

                    await MakeRoomAsync(file.Size, cancellationToken).ConfigureAwait(false);
                    await InstallAndRecordAsync(temp, file).ConfigureAwait(false);
                }
            }

            return _layout.PathOf(file.Hash);
        }, progress: null, cancellationToken);
    }

    /// <summary>
    /// Streams a good copy of the file from the healthiest host that holds one into new temp files
    /// (<paramref name="newTempPaths"/>, written side by side from one read), verifying size and
    /// SHA-256 on the way and flushing them, then hands them to <paramref name="accept"/>. A host that
    /// serves damaged bytes is marked and the next is tried; the temp files are gone afterwards
    /// whatever happens.
    /// </summary>
    private async Task<T> FetchVerifiedAsync<T>(
        FileRecord file, Func<IReadOnlyList<string>> newTempPaths, Func<IReadOnlyList<string>, Task<T>> accept, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var copies = await _catalog.GetCopiesAsync(file.Hash, cancellationToken).ConfigureAwait(false);
        var candidates = copies.Where(c => c.State == CopyState.Stored && c.Locator is not null && _hosts.ContainsKey(c.HostName)).ToList();
        if (candidates.Count == 0)
        {
            var where = copies.Count(c => c.State == CopyState.Stored) is var stored and > 0
                ? $"its {stored} cop{(stored == 1 ? "y is" : "ies are")} on hosts this node does not have configured ({string.Join(", ", copies.Where(c => c.State == CopyState.Stored).Select(c => c.HostName))})"
                : "no host holds a copy (it has not been synced, or every copy was lost)";
            throw new ContentUnavailableException(file.Hash, [], $"{file.Hash} ({file.Name}) is not cached and {where}.");
        }

        var health = (await _catalog.GetHostHealthAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.HostName, StringComparer.Ordinal);
        var ordered = HostRanking.Order(candidates.Select(c => c.HostName), health, counts: null, _time.GetUtcNow(), _options.HostCoolDown).ToList();
        var failures = new List<StorageHostException>();
        foreach (var hostName in ordered)
        {
            var copy = candidates.First(c => c.HostName == hostName);
            var host = _hosts[hostName];
            var temps = newTempPaths();
            try
            {
                await FetchFromHostAsync(host, file, copy.Locator!.Value, temps, _layout.Root, progress, cancellationToken).ConfigureAwait(false);
                await _catalog.RecordHostResultAsync(host.Name, null, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                var result = await accept(temps).ConfigureAwait(false);
                _logger.LogInformation("Fetched {Hash} from host {Host}.", file.Hash, host.Name);
                return result;
            }
            catch (ContentIntegrityException e)
            {
                failures.Add(e);
                _logger.LogWarning("Host {Host} served damaged bytes for {Hash}: {Error}", host.Name, file.Hash, e.Message);
                await _catalog.MarkCopyDamagedAsync(file.Hash, host.Name, e.Message, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                await _catalog.RecordHostResultAsync(host.Name, e.Message, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (StorageHostException e)
            {
                failures.Add(e);
                _logger.LogWarning("Host {Host} could not deliver {Hash}: {Error}", host.Name, file.Hash, e.Message);
                await _catalog.RecordHostResultAsync(host.Name, e.Message, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                foreach (var temp in temps)
                {
                    DurableFile.DeleteQuietly(temp);
                }
            }
        }

        throw new ContentUnavailableException(file.Hash, failures,
            $"{file.Hash} ({file.Name}) could not be fetched from any of {ordered.Count} host(s): {string.Join("; ", failures.Select(f => f.Message))}");
    }

    private static async Task FetchFromHostAsync(
        IStorageHost host, FileRecord file, HostLocator locator, IReadOnlyList<string> temps, string cacheRoot, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var outputs = new List<Stream>(temps.Count);
        try
        {
            var input = await host.OpenReadAsync(file.Content, locator, cancellationToken).ConfigureAwait(false);
            await using (input.ConfigureAwait(false))
            {
                foreach (var temp in temps)
                {
                    outputs.Add(DurableFile.CreateForWrite(temp, file.Size));
                }

                var output = outputs.Count == 1 ? outputs[0] : new FanOutWriteStream(outputs);
                var (hash, length) = await DurableFile.CopyAndHashAsync(input, output, file.Size, cancellationToken, progress).ConfigureAwait(false);
                if (hash is null || length != file.Size || hash.Value != file.Hash)
                {
                    throw new ContentIntegrityException(host.Name, file.Content, length, hash);
                }

                await DurableFile.FlushToDiskAsync(output, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException e) when (CacheStorageException.IsDiskRefusal(e))
        {
            // The cache's own disk refused the copy: no other host would do better.
            throw CacheStorageException.For(cacheRoot, file.Hash.ToString(), e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException)
        {
            throw new HostUnavailableException(host.Name, $"Host '{host.Name}' failed while sending {file.Hash}: {e.Message}", e);
        }
        finally
        {
            foreach (var output in outputs)
            {
                await output.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Evicts safe, unpinned files by policy until <paramref name="size"/> more bytes fit. Call under the gate.</summary>
    private async Task MakeRoomAsync(long size, CancellationToken cancellationToken)
    {
        // The policy must see every hit so far before it picks a victim.
        await _hits.FlushAsync(cancellationToken).ConfigureAwait(false);
        var limit = CacheLimit;
        var used = await _catalog.GetUsedBytesAsync(_nodeId, cancellationToken).ConfigureAwait(false);
        if (size > limit)
        {
            throw new CacheFullException(size, limit, limit, $"The file is {size} bytes; the cache holds at most {limit}. Give the pool a larger capacity.");
        }

        while (used + size > limit)
        {
            var candidates = await _catalog.ListEvictionCandidatesAsync(_nodeId, _options.EvictionPolicy, _options.MinCopies, 64, cancellationToken).ConfigureAwait(false);
            var evicted = false;
            foreach (var entry in candidates)
            {
                if (_inUse.ContainsKey(entry.Hash))
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

    private async Task EvictEntryAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        // Catalog first: a crash in between leaves an orphan file, which the next open removes.
        await RemoveCacheEntryAsync(entry.Hash, _options.EvictionPolicy, cancellationToken).ConfigureAwait(false);
        DurableFile.DeleteQuietly(_layout.PathOf(entry.Hash));
        _logger.LogDebug("Evicted {Hash} ({Size} bytes).", entry.Hash, entry.Size);
    }

    /// <summary>Removes this node's cache entry of a file from the catalog and forgets what is remembered of it.</summary>
    private async Task RemoveCacheEntryAsync(ContentHash hash, IEvictionPolicy? policy, CancellationToken cancellationToken)
    {
        await _catalog.RemoveCacheEntryAsync(_nodeId, hash, policy, cancellationToken).ConfigureAwait(false);
        ForgetCached(hash);
    }

    /// <summary>Forgets the recent lookup of a file and drops its copy in memory.</summary>
    private void ForgetCached(ContentHash hash)
    {
        _lookups.Forget(hash);
        _memory.Remove(hash);
    }

    /// <summary>The base name to record: the file's own name when it is a valid one, else the first digits of the hash.</summary>
    private static string SafeName(string name, ContentHash hash) =>
        Exchange.PayloadJson.CheckFileName(name) is null ? name : hash.ToString()[..10];
}
