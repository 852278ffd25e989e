using CloudManager.Catalog;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager;

public sealed partial class CloudPool
{
    /// <summary>
    /// Adds content read from a stream (an HTTP request body, a pipe) to the pool: hashed while it is
    /// copied into a temp file inside the cache folder, flushed to disk and recorded, so it is never
    /// held in memory whole. Content the catalog already knows adds nothing.
    /// </summary>
    /// <param name="content">The bytes, read once from the current position to the end; not disposed.</param>
    /// <param name="fileName">
    /// The original base name, kept as metadata only; a name that is not a plain base name (empty,
    /// with '/' or '\', control characters, over 255 UTF-8 bytes) is replaced by the hash's first 10 digits.
    /// </param>
    /// <param name="cancellationToken">Cancels the upload; nothing is left behind.</param>
    /// <returns>The content's SHA-256 as 64 lowercase hexadecimal digits.</returns>
    /// <exception cref="CacheFullException">More bytes arrived than the cache allows, or no room can be made now.</exception>
    public Task<string> UploadAsync(Stream content, string fileName, CancellationToken cancellationToken = default) =>
        UploadAsync(content, fileName, progress: null, cancellationToken);

    /// <summary>
    /// Adds content read from a stream as <see cref="UploadAsync(Stream, string, CancellationToken)"/>
    /// does, reporting how many bytes have been read so far.
    /// </summary>
    /// <param name="content">The bytes, read once from the current position to the end; not disposed.</param>
    /// <param name="fileName">The original base name, kept as metadata only.</param>
    /// <param name="progress">Receives the bytes read so far after every block; null for none.</param>
    /// <param name="cancellationToken">Cancels the upload; nothing is left behind.</param>
    /// <returns>The content's SHA-256 as 64 lowercase hexadecimal digits.</returns>
    /// <exception cref="CacheFullException">More bytes arrived than the cache allows, or no room can be made now.</exception>
    public async Task<string> UploadAsync(Stream content, string fileName, IProgress<long>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        if (!content.CanRead)
        {
            throw new ArgumentException("The stream cannot be read.", nameof(content));
        }

        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var expectedLength = content.CanSeek ? Math.Max(0, content.Length - content.Position) : 0;
        return await UploadFromStreamAsync(content, expectedLength, fileName, $"The upload of '{fileName}'", progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a file for reading, warming it up first as <see cref="WarmUpAsync"/> does. Until the
    /// stream is disposed this pool does not evict the file, and the open handle keeps the bytes
    /// readable even if another process evicts it. The stream can seek (for range requests).
    /// Reading does not count in the transfer meter: the caller knows what it sent.
    /// </summary>
    /// <param name="hash">The file.</param>
    /// <param name="cancellationToken">Cancels the warm-up.</param>
    /// <returns>A read-only stream of the cached file; dispose it when done.</returns>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 64 hexadecimal digits.</exception>
    /// <exception cref="UnknownContentException">The catalog does not know the file.</exception>
    /// <exception cref="ContentUnavailableException">The file is not cached and no configured host could deliver a good copy.</exception>
    /// <exception cref="CacheFullException">No room can be made for it.</exception>
    public async Task<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        // Marked before the warm-up so that no eviction in this pool can pick it between the two.
        MarkInUse(content);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var path = await WarmUpAsync(hash, cancellationToken).ConfigureAwait(false);
                try
                {
                    return new InUseFileStream(DurableFile.OpenSequentialRead(path), () => ReleaseInUse(content));
                }
                catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException && attempt < 3)
                {
                    // Another process evicted it between the warm-up and the open: the next warm-up fetches it again.
                    _logger.LogDebug("{Hash} left the cache before it could be opened; warming it up again.", content);
                }
            }
        }
        catch
        {
            ReleaseInUse(content);
            throw;
        }
    }

    /// <summary>
    /// Looks a file up and, when this node's cache holds it, opens it in the same step: one catalog
    /// query and no fetch, which is what a server answering many reads of cached files needs. A file
    /// that is not cached is not fetched: the caller checks what it must (a transfer limit, a
    /// conditional request) and then calls <see cref="OpenReadAsync"/>. An open stream counts as a
    /// cache hit. A small file read again within a second is kept in memory (see
    /// <see cref="CloudPoolOptions.MemoryCacheBytes"/>) and its stream reads that copy, checked against
    /// the cached file first; otherwise the stream reads the cached file and keeps it from eviction by
    /// this pool until it is disposed, as <see cref="OpenReadAsync"/>'s does.
    /// </summary>
    /// <param name="hash">The file.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>Null when the catalog does not know the file; otherwise its record, with a seekable
    /// read-only stream of the cached bytes, or a null stream when it is not cached here.</returns>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 64 hexadecimal digits.</exception>
    public async Task<FileLookup?> FindAndOpenIfCachedAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var path = _layout.PathOf(content);
        // A recent answer spares the catalog query; the open below checks it against the cache folder.
        if (_lookups.TryGet(content, out var known, out var knownSize))
        {
            // Read again within the answer's lifetime: a hot file, worth a copy in memory when it is small.
            if (TryOpenCached(content, path, knownSize, loadIntoMemory: true) is { } stream)
            {
                _hits.Add(content);
                return new FileLookup(known, stream);
            }

            ForgetCached(content);
        }

        if (await _catalog.FindFileOnNodeAsync(_nodeId, content, cancellationToken).ConfigureAwait(false) is not var (file, cachedSize))
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

    /// <summary>
    /// The cached bytes of a file of <paramref name="size"/> bytes: its copy in memory when one is
    /// kept and still matches the file (or, with <paramref name="loadIntoMemory"/>, can be made now),
    /// else the cached file opened and marked in use; null when it is missing or of another size.
    /// </summary>
    private Stream? TryOpenCached(ContentHash content, string path, long size, bool loadIntoMemory)
    {
        if ((_memory.TryGet(content, path, size) ?? (loadIntoMemory ? _memory.TryLoad(content, path, size) : null)) is { } bytes)
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
        MarkInUse(content);
        FileStream? file = null;
        try
        {
            file = DurableFile.OpenCachedRead(path, size);
            if (file.Length == size)
            {
                var stream = new InUseFileStream(file, () => ReleaseInUse(content));
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
            ReleaseInUse(content);
            throw;
        }
        finally
        {
            file?.Dispose();
        }

        ReleaseInUse(content);
        return null;
    }

    /// <summary>
    /// Files newest first (by the time they entered the pool, then by hash), with whether this node
    /// caches them; pass the hash of the last file of the previous page to page on.
    /// </summary>
    /// <param name="after">The last hash of the previous page, or null for the first page.</param>
    /// <param name="limit">The most files to return; at least 1.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="ArgumentException"><paramref name="after"/> is not a hash, or not one this pool knows.</exception>
    public async Task<IReadOnlyList<FileListing>> ListNewestFilesAsync(string? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ContentHash? start = after is null ? null : ParseHash(after, nameof(after));
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        FileRecord? cursor = null;
        if (start is { } hash)
        {
            cursor = await _catalog.FindFileAsync(hash, cancellationToken).ConfigureAwait(false)
                ?? throw new ArgumentException($"{hash} is not a file this pool knows: pass the hash of the last file of the previous page.", nameof(after));
        }

        return await _catalog.ListNewestFilesAsync(_nodeId, cursor, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies content into a temp file in the cache while hashing it, then installs and records it;
    /// shared by uploads from a path and from a stream.
    /// </summary>
    private async Task<string> UploadFromStreamAsync(
        Stream input, long expectedLength, string fileName, string description, IProgress<long>? progress, CancellationToken cancellationToken,
        Action<long>? checkSource = null)
    {
        var temp = _layout.NewTempPath();
        try
        {
            return await UploadToTempAsync(input, temp, expectedLength, fileName, description, progress, checkSource, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || CacheStorageException.IsDiskRefusal(e))
        {
            // The source's own refusals arrive as SourceUnreadableException: these are the cache folder's.
            throw CacheStorageException.For(_layout.Root, description, e);
        }
        finally
        {
            DurableFile.DeleteQuietly(temp);
        }
    }

    private async Task<string> UploadToTempAsync(
        Stream input, string temp, long expectedLength, string fileName, string description, IProgress<long>? progress, Action<long>? checkSource,
        CancellationToken cancellationToken)
    {
        ContentHash hash;
        long length;
        var output = DurableFile.CreateForWrite(temp, Math.Min(expectedLength, CacheLimit));
        await using (output.ConfigureAwait(false))
        {
            var (computed, copied) = await DurableFile.CopyAndHashAsync(input, output, CacheLimit, cancellationToken, progress).ConfigureAwait(false);
            if (computed is null)
            {
                throw new CacheFullException(copied, CacheLimit, CacheLimit,
                    $"{description} is larger than the cache allows: more than {CacheLimit} bytes (capacity {Capacity} × max fill {_options.MaxFill}). Give the pool a larger capacity.");
            }

            hash = computed.Value;
            length = copied;
            checkSource?.Invoke(length);
            await DurableFile.FlushToDiskAsync(output, cancellationToken).ConfigureAwait(false);
        }

        var known = await _catalog.FindFileAsync(hash, cancellationToken).ConfigureAwait(false);
        if (known is not null)
        {
            // The bytes are already verified and at hand: keep them cached if there is room, never fail for it.
            await TryInstallKnownAsync(known, temp, cancellationToken).ConfigureAwait(false);
            return hash.ToString();
        }

        var record = new FileRecord(hash, length, SafeName(fileName, hash), _time.GetUtcNow(), 0, null, null);
        using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            await MakeRoomAsync(length, cancellationToken).ConfigureAwait(false);
            await InstallAndRecordAsync(temp, record).ConfigureAwait(false);
        }

        _logger.LogInformation("Uploaded {Name} as {Hash} ({Size} bytes).", record.Name, hash, length);
        return hash.ToString();
    }
}
