using CloudManager.Cache;
using CloudManager.IO;

namespace CloudManager.Fetcher;

/// <summary>
/// Copies a file out of the pool to a path of the caller's: from the cache when it is there, else
/// fetched once from the hosts, verified while it streams, and written beside the destination (and,
/// when asked, into the cache at the same time); flushed and renamed into place, never half written.
/// </summary>
internal sealed class DestinationDownload(PoolContext pool, LocalCache cache, ContentFetcher fetcher)
{
    /// <summary>See <see cref="CloudPool.DownloadAsync(string, string, bool, IProgress{long}, CancellationToken)"/> and <see cref="CloudPool.DownloadBypassingCacheAsync"/>.</summary>
    /// <param name="content">The file.</param>
    /// <param name="destination">The full path to write.</param>
    /// <param name="destinationPath">The path as the caller gave it, for messages.</param>
    /// <param name="overwrite">Whether an existing file there may be replaced.</param>
    /// <param name="keepInCache">Whether a fetched file is also kept in the cache.</param>
    /// <param name="progress">Receives the bytes written so far.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    internal async Task DownloadToAsync(
        ContentHash content, string destination, string destinationPath, bool overwrite, bool keepInCache, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var (file, cachedSize) = await pool.CacheIndex.FindFileOnNodeAsync(pool.NodeId, content, cancellationToken).ConfigureAwait(false)
            ?? throw new UnknownContentException(content);
        var cached = cachedSize is { } size && cache.IsPresent(content, size);
        if (cached || (keepInCache && fetcher.IsInFlight(content)))
        {
            // Cached, or on its way into the cache already: copy it out rather than fetch it a second time.
            await CopyOutOfCacheAsync(content, destination, destinationPath, overwrite, progress, cancellationToken).ConfigureAwait(false);
            return;
        }

        var folder = Path.GetDirectoryName(destination)!;
        var alsoCache = keepInCache && file.Size <= pool.CacheLimit;
        progress?.Report(0);
        await fetcher.FetchVerifiedAsync(file, () =>
        {
            var beside = BesidePath(folder, destination);
            return alsoCache ? [beside, pool.Layout.NewTempPath()] : [beside];
        }, async temps =>
        {
            DestinationCheck.Ensure(destination, destinationPath, overwrite, $"'{destinationPath}' appeared while the file was fetched; nothing was overwritten.");

            // Before the destination is in place: a catalog that refuses the record fails the download whole.
            var counted = temps.Count > 1 && await cache.TryInstallKnownAsync(file, temps[1], cancellationToken).ConfigureAwait(false);
            DurableFile.MoveIntoPlace(temps[0], destination);
            // An installed file's incoming bytes were counted with its cache record.
            await pool.Transfers.AddTransferAsync(pool.NodeId, counted ? 0 : file.Size, file.Size, pool.SharedTime.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            return destination;
        }, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A temp name beside the destination, hidden and unique.</summary>
    private static string BesidePath(string folder, string destination) =>
        Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.partial");

    /// <summary>Copies a cached file out to a temp name beside the destination, flushes it and renames it into place.</summary>
    private async Task CopyOutOfCacheAsync(
        ContentHash content, string destination, string destinationPath, bool overwrite, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var temp = BesidePath(Path.GetDirectoryName(destination)!, destination);
        try
        {
            long length;
            // Opened as a held read: another process may evict the file between its warm-up and the open.
            var input = await fetcher.OpenReadAsync(content, cancellationToken).ConfigureAwait(false);
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

            DestinationCheck.Ensure(destination, destinationPath, overwrite, $"'{destinationPath}' appeared while the file was copied; nothing was overwritten.");

            DurableFile.MoveIntoPlace(temp, destination);
            await pool.Transfers.AddTransferAsync(pool.NodeId, 0, length, pool.SharedTime.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            DurableFile.DeleteQuietly(temp);
        }
    }
}
