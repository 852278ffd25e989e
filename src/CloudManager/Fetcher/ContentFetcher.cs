using System.Collections.Concurrent;
using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.IO;
using CloudManager.Replication;
using Microsoft.Extensions.Logging;

namespace CloudManager.Fetcher;

/// <summary>
/// Brings files into the cache from the hosts: verified (size and SHA-256) while they stream, from
/// the healthiest host that holds a copy, moving on to the next when one fails or serves damaged
/// bytes (marked so), and one download shared by every concurrent warm-up of a file.
/// </summary>
internal sealed class ContentFetcher(PoolContext pool, LocalCache cache)
{
    private readonly ConcurrentDictionary<ContentHash, Lazy<Task<string>>> _inFlight = new();

    /// <summary>Whether a warm-up of the file is on its way into the cache now.</summary>
    internal bool IsInFlight(ContentHash hash) => _inFlight.ContainsKey(hash);

    /// <summary>The cached file's path, fetched first when it is not cached. See <see cref="CloudPool.WarmUpAsync"/>.</summary>
    internal async Task<string> WarmUpAsync(ContentHash content, CancellationToken cancellationToken)
    {
        var (file, cachedSize) = await pool.CacheIndex.FindFileOnNodeAsync(pool.NodeId, content, cancellationToken).ConfigureAwait(false)
            ?? throw new UnknownContentException(content);
        if (cachedSize is { } size)
        {
            if (cache.IsPresent(content, size))
            {
                cache.RecordHit(content);
                return cache.PathOf(content);
            }

            await cache.DropVanishedAsync(file, cancellationToken).ConfigureAwait(false);
        }

        var shared = _inFlight.GetOrAdd(content, _ => new Lazy<Task<string>>(() => FetchSharedAsync(file)));
        return await shared.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a cached file for reading, warmed up first; held in use until the stream is disposed.
    /// See <see cref="CloudPool.OpenReadAsync"/>.
    /// </summary>
    internal async Task<Stream> OpenReadAsync(ContentHash content, CancellationToken cancellationToken)
    {
        // Marked before the warm-up so that no eviction in this pool can pick it between the two.
        cache.InUse.Mark(content);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var path = await WarmUpAsync(content, cancellationToken).ConfigureAwait(false);
                try
                {
                    return new InUseFileStream(DurableFile.OpenSequentialRead(path), () => cache.InUse.Release(content));
                }
                catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException && attempt < 3)
                {
                    // Another process evicted it between the warm-up and the open: the next warm-up fetches it again.
                    pool.Logger.LogDebug("{Hash} left the cache before it could be opened; warming it up again.", content);
                }
            }
        }
        catch
        {
            cache.InUse.Release(content);
            throw;
        }
    }

    /// <summary>
    /// Streams a good copy of the file from the healthiest host that holds one into new temp files
    /// (<paramref name="newTempPaths"/>, written side by side from one read), verifying size and
    /// SHA-256 on the way and flushing them, then hands them to <paramref name="accept"/>. A host that
    /// serves damaged bytes is marked and the next is tried; the temp files are gone afterwards
    /// whatever happens.
    /// </summary>
    /// <exception cref="ContentUnavailableException">No configured host could deliver a good copy.</exception>
    internal async Task<T> FetchVerifiedAsync<T>(
        FileRecord file, Func<IReadOnlyList<string>> newTempPaths, Func<IReadOnlyList<string>, Task<T>> accept, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var copies = await pool.Copies.GetCopiesAsync(file.Hash, cancellationToken).ConfigureAwait(false);
        var candidates = copies.Where(c => c.State == CopyState.Stored && c.Locator is not null && pool.Hosts.ContainsKey(c.HostName)).ToList();
        if (candidates.Count == 0)
        {
            throw NoCandidate(file, copies);
        }

        var health = (await pool.Copies.GetHostHealthAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.HostName, StringComparer.Ordinal);
        var ordered = HostRanking.Order(candidates.Select(c => c.HostName), health, counts: null, pool.Time.GetUtcNow(), pool.Options.HostCoolDown).ToList();
        var failures = new List<StorageHostException>();
        foreach (var hostName in ordered)
        {
            var copy = candidates.First(c => c.HostName == hostName);
            var host = pool.Hosts[hostName];
            var temps = newTempPaths();
            try
            {
                await FetchFromHostAsync(host, file, copy.Locator!.Value, temps, pool.Layout.Root, progress, cancellationToken).ConfigureAwait(false);
                await pool.Copies.RecordHostResultAsync(host.Name, null, pool.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                var result = await accept(temps).ConfigureAwait(false);
                pool.Logger.LogInformation("Fetched {Hash} from host {Host}.", file.Hash, host.Name);
                return result;
            }
            catch (ContentIntegrityException e)
            {
                failures.Add(e);
                pool.Logger.LogWarning("Host {Host} served damaged bytes for {Hash}: {Error}", host.Name, file.Hash, e.Message);
                await pool.Copies.MarkCopyDamagedAsync(file.Hash, host.Name, e.Message, pool.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                await pool.Copies.RecordHostResultAsync(host.Name, e.Message, pool.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (StorageHostException e)
            {
                failures.Add(e);
                pool.Logger.LogWarning("Host {Host} could not deliver {Hash}: {Error}", host.Name, file.Hash, e.Message);
                await pool.Copies.RecordHostResultAsync(host.Name, e.Message, pool.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
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

    private static ContentUnavailableException NoCandidate(FileRecord file, IReadOnlyList<CopyRecord> copies)
    {
        var where = copies.Count(c => c.State == CopyState.Stored) is var stored and > 0
            ? $"its {stored} cop{(stored == 1 ? "y is" : "ies are")} on hosts this node does not have configured ({string.Join(", ", copies.Where(c => c.State == CopyState.Stored).Select(c => c.HostName))})"
            : "no host holds a copy (it has not been synced, or every copy was lost)";
        return new ContentUnavailableException(file.Hash, [], $"{file.Hash} ({file.Name}) is not cached and {where}.");
    }

    private async Task<string> FetchSharedAsync(FileRecord file)
    {
        // Yield first so that the entry is in the dictionary before the finally below removes it.
        await Task.Yield();
        try
        {
            return await FetchIntoCacheAsync(file).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(file.Hash, out _);
        }
    }

    /// <summary>Downloads a file from the hosts into the cache; shared by concurrent warm-ups of one file.</summary>
    private Task<string> FetchIntoCacheAsync(FileRecord file)
    {
        // Shared by several callers: none of their tokens may cancel it for the others.
        var cancellationToken = CancellationToken.None;
        var limit = pool.CacheLimit;
        if (file.Size > limit)
        {
            throw new CacheFullException(file.Size, limit, limit, $"{file.Hash} is {file.Size} bytes; the cache holds at most {limit}. Give the pool a larger capacity.");
        }

        return FetchVerifiedAsync(file, () => [pool.Layout.NewTempPath()], async temps =>
        {
            using (await pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                await cache.InstallKnownAsync(file, temps[0], cancellationToken).ConfigureAwait(false);
            }

            return cache.PathOf(file.Hash);
        }, progress: null, cancellationToken);
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
}
