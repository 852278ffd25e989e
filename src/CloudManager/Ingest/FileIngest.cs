using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager.Ingest;

/// <summary>
/// Adds one file or stream to the pool: read once, hashed while it is copied into a temp file in the
/// cache folder, flushed, then admitted (new bytes) or kept when there is room (bytes the catalog
/// already knows). Nothing is left behind when it fails or is cancelled.
/// </summary>
internal sealed class FileIngest(PoolContext pool, LocalCache cache, NewFileAdmission admission)
{
    /// <summary>See <see cref="CloudPool.UploadAsync(string, IProgress{long}, CancellationToken)"/>.</summary>
    internal async Task<string> UploadFileAsync(string path, IProgress<long>? progress, CancellationToken cancellationToken) =>
        (await UploadFileWithOutcomeAsync(path, progress, cancellationToken).ConfigureAwait(false)).Hash;

    /// <summary>As <see cref="UploadFileAsync"/>, and says whether the file was new to the catalog.</summary>
    internal async Task<(string Hash, bool Added)> UploadFileWithOutcomeAsync(string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var source = new FileInfo(path);
        if (!source.Exists)
        {
            throw new FileNotFoundException($"Cannot upload '{path}': no such file.", path);
        }

        SourceChecks.EnsureAcceptableName(source.Name, $"'{FileNames.ForDisplay(path)}'");
        SourceChecks.EnsureOutsideCache(pool, path);
        SourceChecks.EnsureFitsCache(pool, path, source.Length);
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
            return await UploadStreamWithOutcomeAsync(input, lengthBefore, source.Name, $"'{path}'", progress, cancellationToken,
                lengthRead => SourceChecks.EnsureUnchanged(source, path, lengthBefore, writtenBefore, lengthRead)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Copies content into a temp file in the cache while hashing it, then admits it; shared by
    /// uploads from a path and from a stream (<see cref="CloudPool.UploadAsync(Stream, string, IProgress{long}, CancellationToken)"/>).
    /// </summary>
    /// <param name="input">The bytes, read once to the end.</param>
    /// <param name="expectedLength">The length to preallocate (0 when unknown).</param>
    /// <param name="fileName">The name to record.</param>
    /// <param name="description">How messages name the source.</param>
    /// <param name="progress">Receives the bytes read so far.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <param name="checkSource">Checks the source against what was read, before the bytes are kept.</param>
    internal async Task<string> UploadStreamAsync(
        Stream input, long expectedLength, string fileName, string description, IProgress<long>? progress, CancellationToken cancellationToken,
        Action<long>? checkSource = null) =>
        (await UploadStreamWithOutcomeAsync(input, expectedLength, fileName, description, progress, cancellationToken, checkSource).ConfigureAwait(false)).Hash;

    private async Task<(string Hash, bool Added)> UploadStreamWithOutcomeAsync(
        Stream input, long expectedLength, string fileName, string description, IProgress<long>? progress, CancellationToken cancellationToken,
        Action<long>? checkSource)
    {
        SourceChecks.EnsureAcceptableName(fileName, description);
        var temp = pool.Layout.NewTempPath();
        try
        {
            return await UploadToTempAsync(input, temp, expectedLength, fileName, description, progress, checkSource, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || CacheStorageException.IsDiskRefusal(e))
        {
            // The source's own refusals arrive as SourceUnreadableException: these are the cache folder's.
            throw CacheStorageException.For(pool.Layout.Root, description, e);
        }
        finally
        {
            DurableFile.DeleteQuietly(temp);
        }
    }

    private async Task<(string Hash, bool Added)> UploadToTempAsync(
        Stream input, string temp, long expectedLength, string fileName, string description, IProgress<long>? progress, Action<long>? checkSource,
        CancellationToken cancellationToken)
    {
        var (hash, length) = await CopyToTempAsync(input, temp, expectedLength, description, progress, checkSource, cancellationToken).ConfigureAwait(false);
        var known = await pool.Files.FindFileAsync(hash, cancellationToken).ConfigureAwait(false);
        if (known is not null)
        {
            // The bytes are already verified and at hand: keep them cached if there is room, never fail for it.
            await cache.TryInstallKnownAsync(known, temp, cancellationToken).ConfigureAwait(false);
            return (hash.ToString(), false);
        }

        var record = new FileRecord(hash, length, SourceChecks.SafeName(pool, fileName, hash), pool.SharedTime.GetUtcNow(), 0, null, null);
        await admission.AdmitAsync([(temp, record)], flush: null, cancellationToken).ConfigureAwait(false);
        pool.Logger.LogInformation("Uploaded {Name} as {Hash} ({Size} bytes).", record.Name, hash, length);
        return (hash.ToString(), true);
    }

    /// <summary>Copies and hashes the content into the temp file, checks the source, and flushes the file.</summary>
    private async Task<(ContentHash Hash, long Length)> CopyToTempAsync(
        Stream input, string temp, long expectedLength, string description, IProgress<long>? progress, Action<long>? checkSource,
        CancellationToken cancellationToken)
    {
        var limit = pool.CacheLimit;
        var output = DurableFile.CreateForWrite(temp, Math.Min(expectedLength, limit));
        await using (output.ConfigureAwait(false))
        {
            var (computed, copied) = await DurableFile.CopyAndHashAsync(input, output, limit, cancellationToken, progress).ConfigureAwait(false);
            if (computed is null)
            {
                throw new CacheFullException(copied, limit, limit,
                    $"{description} is larger than the cache allows: more than {limit} bytes (capacity {pool.Options.CapacityBytes} × max fill {pool.Options.MaxFill}). Give the pool a larger capacity.");
            }

            checkSource?.Invoke(copied);
            await DurableFile.FlushToDiskAsync(output, cancellationToken).ConfigureAwait(false);
            return (computed.Value, copied);
        }
    }
}
