using System.Collections.Concurrent;
using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.IO;
using CloudManager.Replication;
using CloudManager.Verifier;
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
        var sources = await SourcesAsync(file, copies, cancellationToken).ConfigureAwait(false);
        if (sources.Count == 0)
        {
            throw NoCandidate(file, copies);
        }

        var failures = new List<StorageHostException>();
        foreach (var source in sources)
        {
            var host = source.Host;
            var temps = newTempPaths();
            try
            {
                await FetchFromHostAsync(host, file, source.Locator, temps, pool.Layout.Root, progress, cancellationToken).ConfigureAwait(false);
                await pool.Copies.RecordHostResultAsync(host.Name, null, pool.SharedTime.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (source.IsHint)
                {
                    await ConfirmHintAsync(file, source, cancellationToken).ConfigureAwait(false);
                }

                var result = await accept(temps).ConfigureAwait(false);
                pool.Logger.LogInformation("Fetched {Hash} from host {Host}.", file.Hash, host.Name);
                return result;
            }
            catch (ContentIntegrityException e)
            {
                failures.Add(e);
                pool.Logger.LogWarning("Host {Host} served damaged bytes for {Hash}: {Error}", host.Name, file.Hash, e.Message);
                await RecordProblemAsync(file, source, CopyState.Damaged, e.Message, cancellationToken).ConfigureAwait(false);
                await pool.Copies.RecordHostResultAsync(host.Name, e.Message, pool.SharedTime.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (ContentNotFoundException e)
            {
                failures.Add(e);
                pool.Logger.LogWarning("Host {Host} does not hold {Hash}: {Error}", host.Name, file.Hash, e.Message);
                await RecordProblemAsync(file, source, CopyState.Missing, "missing when downloaded", cancellationToken).ConfigureAwait(false);
            }
            catch (StorageHostException e)
            {
                failures.Add(e);
                pool.Logger.LogWarning("Host {Host} could not deliver {Hash}: {Error}", host.Name, file.Hash, e.Message);
                await pool.Copies.RecordHostResultAsync(host.Name, e.Message, pool.SharedTime.GetUtcNow(), cancellationToken).ConfigureAwait(false);
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
            $"{file.Hash} ({file.Name}) could not be fetched from {(sources.Count == 1 ? "its one host" : $"any of its {sources.Count} hosts")}: {string.Join("; ", failures.Select(f => f.Message))}");
    }

    /// <summary>A place to read a file from: a copy the catalog records, or a link from another node to a host configured here.</summary>
    private sealed record Source(IStorageHost Host, HostLocator Locator, string? HostId, bool IsHint);

    /// <summary>
    /// Where a file may be read from, best first: the configured hosts that hold a recorded copy (healthiest
    /// first), then the configured hosts that another node's record says hold one (read and verified like
    /// any copy, and recorded as a copy once they deliver).
    /// </summary>
    private async Task<List<Source>> SourcesAsync(FileRecord file, IReadOnlyList<CopyRecord> copies, CancellationToken cancellationToken)
    {
        var recorded = copies
            .Where(c => c.State == CopyState.Stored && c.Locator is not null)
            .Select(c => pool.Identities.HostOf(c.HostId) is { } host ? new Source(host, c.Locator!.Value, c.HostId, IsHint: false) : null)
            .OfType<Source>()
            .ToList();
        var hinted = (await pool.Copies.GetCopyHintsAsync(file.Hash, cancellationToken).ConfigureAwait(false))
            .Where(h => pool.Hosts.ContainsKey(h.HostName) && recorded.All(r => r.Host.Name != h.HostName))
            .Select(h => new Source(pool.Hosts[h.HostName], h.Locator, pool.Identities.IdOf(h.HostName), IsHint: true))
            .ToList();
        if (recorded.Count + hinted.Count == 0)
        {
            return [];
        }

        var health = (await pool.Copies.GetHostHealthAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.HostName, StringComparer.Ordinal);
        var now = pool.SharedTime.GetUtcNow();
        List<Source> Ranked(List<Source> sources) =>
            [.. HostRanking.Order(sources.Select(s => s.Host.Name), health, counts: null, now, pool.Options.HostCoolDown).Select(n => sources.First(s => s.Host.Name == n))];
        return [.. Ranked(recorded), .. Ranked(hinted)];
    }

    /// <summary>A host delivered the right bytes where another node's record said: once its identity is read, the copy counts.</summary>
    private async Task ConfirmHintAsync(FileRecord file, Source source, CancellationToken cancellationToken)
    {
        if (await pool.Identities.ConfirmAsync(source.Host, cancellationToken).ConfigureAwait(false) && pool.Identities.IdOf(source.Host.Name) is { } hostId)
        {
            await CopyFindings.CountsAsync(pool, file.Hash, hostId, source.Host.Name, source.Locator, "it delivered the right bytes where another node's record said").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records what a download found wrong with a copy: damaged bytes always; a missing copy only once the
    /// host's identity marker is read again (an unmounted disk loses nothing). A link from another node
    /// that does not deliver is forgotten.
    /// </summary>
    private async Task RecordProblemAsync(FileRecord file, Source source, CopyState state, string why, CancellationToken cancellationToken)
    {
        if (!await pool.Identities.ConfirmAsync(source.Host, cancellationToken).ConfigureAwait(false))
        {
            pool.Logger.LogWarning("Host {Host} is not answering as the host this catalog knows: nothing is recorded against its copies.", source.Host.Name);
            return;
        }

        await (source.IsHint
            ? CopyFindings.LinkRefutedAsync(pool, file.Hash, source.Host.Name, why)
            : CopyFindings.ProblemAsync(pool, file.Hash, source.HostId!, source.Host.Name, state, why)).ConfigureAwait(false);
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
