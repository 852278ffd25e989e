using CloudManager.Catalog;
using CloudManager.Ingest;

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
    /// <exception cref="ArgumentException">
    /// The file's name holds a control, format, separator or other invisible character (see
    /// <see cref="FileNames"/>): nothing was read or added. Other unusable names are recorded as the hash's first 10 digits.
    /// </exception>
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
        return await _fileIngest.UploadFileAsync(path, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds content read from a stream (an HTTP request body, a pipe) to the pool: hashed while it is
    /// copied into a temp file inside the cache folder, flushed to disk and recorded, so it is never
    /// held in memory whole. Content the catalog already knows adds nothing.
    /// </summary>
    /// <param name="content">The bytes, read once from the current position to the end; not disposed.</param>
    /// <param name="fileName">
    /// The original base name, kept as metadata only. A name holding a control, format (bidirectional,
    /// zero-width), separator or other invisible character (see <see cref="FileNames"/>) is refused with
    /// an <see cref="ArgumentException"/> before anything is read; a name that is otherwise not a plain
    /// base name (empty, <c>.</c>, with '/' or '\', over 255 UTF-8 bytes) is recorded as the hash's first
    /// 10 digits, with a warning in the log.
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
        return await _fileIngest.UploadStreamAsync(content, expectedLength, fileName, $"The upload of '{fileName}'", progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds many files to the pool, each as <see cref="UploadAsync(string, IProgress{long}, CancellationToken)"/>
    /// does, but small files (up to 1 MiB) in batches: the files of a batch are copied into the cache
    /// and flushed several at a time, renamed into place with one flush per folder, and recorded in one
    /// catalog transaction. No file is recorded before its bytes and its name are on the disk. Larger
    /// files are uploaded one at a time, between the batches, in the order given.
    /// </summary>
    /// <param name="paths">The files, in the order their hashes are returned.</param>
    /// <param name="uploaded">Called with each file's index in <paramref name="paths"/> and its hash once it is
    /// recorded, in the order of <paramref name="paths"/>; null for none.</param>
    /// <param name="progress">Receives the bytes of all files done so far; null for none.</param>
    /// <param name="cancellationToken">Cancels the uploads; files already recorded stay, nothing else is left behind.</param>
    /// <returns>The hashes, in the order of <paramref name="paths"/>.</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="ArgumentException">A file's name holds a control, format, separator or other invisible character (see <see cref="FileNames"/>); checked first: nothing was read or added.</exception>
    /// <exception cref="SourceChangedException">A file changed while it was read.</exception>
    /// <exception cref="CacheFullException">A file is larger than the cache allows, or no room can be made now.</exception>
    /// <exception cref="CacheStorageException">The cache folder's disk is full or read-only.</exception>
    /// <remarks>
    /// When a file fails, the other files of its batch are still recorded (and reported through
    /// <paramref name="uploaded"/>); the first failure in path order is then thrown, and no file of a
    /// later batch is recorded (nor read, when the failure was in reading or writing the file).
    /// </remarks>
    public async Task<IReadOnlyList<string>> UploadFilesAsync(
        IReadOnlyList<string> paths, Action<int, string>? uploaded = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var path in paths)
        {
            ArgumentException.ThrowIfNullOrEmpty(path, nameof(paths));
        }

        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _batchIngest.UploadFilesAsync(paths, uploaded is null ? null : o => uploaded(o.Index, o.Hash), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds many files as <see cref="UploadFilesAsync"/> does, and tells for each whether it was new to
    /// the catalog or already known (then nothing was added), so that a caller can count what really happened.
    /// </summary>
    /// <param name="paths">The files, in the order their hashes are returned.</param>
    /// <param name="recorded">Called for each file once it is recorded or found known, in the order of <paramref name="paths"/>.</param>
    /// <param name="progress">Receives the bytes of all files done so far; null for none.</param>
    /// <param name="cancellationToken">Cancels the uploads; files already recorded stay, nothing else is left behind.</param>
    /// <returns>The hashes, in the order of <paramref name="paths"/>.</returns>
    /// <exception cref="ArgumentException">A file's name holds a control, format, separator or other invisible character; checked first: nothing was read or added.</exception>
    public async Task<IReadOnlyList<string>> UploadFilesWithOutcomesAsync(
        IReadOnlyList<string> paths, Action<UploadOutcome> recorded, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(recorded);
        foreach (var path in paths)
        {
            ArgumentException.ThrowIfNullOrEmpty(path, nameof(paths));
        }

        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _batchIngest.UploadFilesAsync(paths, recorded, progress, cancellationToken).ConfigureAwait(false);
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
        return await _fetcher.WarmUpAsync(content, cancellationToken).ConfigureAwait(false);
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
    /// <exception cref="DestinationRefusedException">
    /// A folder, named pipe, socket or device is at the destination (checked without following a link,
    /// before anything is written and again right before the rename): only regular files are written,
    /// and with <paramref name="overwrite"/> only a regular file or a symbolic link (the link itself) is replaced.
    /// </exception>
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
    /// <exception cref="DestinationRefusedException">
    /// A folder, named pipe, socket or device is at the destination (checked without following a link,
    /// before anything is written and again right before the rename): only regular files are written,
    /// and with <paramref name="overwrite"/> only a regular file or a symbolic link (the link itself) is replaced.
    /// </exception>
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
    /// <exception cref="DestinationRefusedException">
    /// A folder, named pipe, socket or device is at the destination (checked without following a link,
    /// before anything is written and again right before the rename): only regular files are written,
    /// and with <paramref name="overwrite"/> only a regular file or a symbolic link (the link itself) is replaced.
    /// </exception>
    /// <exception cref="UnknownContentException">The catalog does not know the file.</exception>
    /// <exception cref="ContentUnavailableException">The file is not cached and no configured host could deliver a good copy.</exception>
    public Task DownloadBypassingCacheAsync(
        string hash, string destinationPath, bool overwrite, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        DownloadToAsync(hash, destinationPath, overwrite, keepInCache: false, progress, cancellationToken);

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
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _fetcher.OpenReadAsync(content, cancellationToken).ConfigureAwait(false);
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
        return await _cache.FindAndOpenIfCachedAsync(content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops a safe file from this node's cache now (it stays on the hosts).</summary>
    /// <returns>False when this node does not cache the file.</returns>
    /// <exception cref="InvalidOperationException">The file is not safe on the hosts yet, or it is pinned: evicting it now could lose it or break the pin.</exception>
    public async Task<bool> EvictAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = ParseHash(hash);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _cache.Evictor.EvictAsync(content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps a cached file in the cache whatever the eviction policy says.</summary>
    /// <returns>False when this node does not cache the file.</returns>
    public Task<bool> PinAsync(string hash, CancellationToken cancellationToken = default) => SetPinnedAsync(hash, true, cancellationToken);

    /// <summary>Lets the eviction policy decide about a cached file again.</summary>
    /// <returns>False when this node does not cache the file.</returns>
    public Task<bool> UnpinAsync(string hash, CancellationToken cancellationToken = default) => SetPinnedAsync(hash, false, cancellationToken);

    private async Task<bool> SetPinnedAsync(string hash, bool pinned, CancellationToken cancellationToken)
    {
        var content = ParseHash(hash);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _cache.SetPinnedAsync(content, pinned, cancellationToken).ConfigureAwait(false);
    }

    private async Task DownloadToAsync(
        string hash, string destinationPath, bool overwrite, bool keepInCache, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var destination = Path.GetFullPath(destinationPath);
        Fetcher.DestinationCheck.Ensure(destination, destinationPath, overwrite, $"'{destinationPath}' already exists; choose another path or allow overwriting.");

        var content = ParseHash(hash);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await _download.DownloadToAsync(content, destination, destinationPath, overwrite, keepInCache, progress, cancellationToken).ConfigureAwait(false);
    }
}
