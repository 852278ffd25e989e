using System.Collections.Concurrent;
using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.Fetcher;
using CloudManager.Hosts;
using Microsoft.Extensions.Logging;

namespace CloudManager.Replication;

/// <summary>
/// Copies cached files to more hosts until each has the redundancy's copies (the seed's
/// <c>cloud_sync</c>): files in parallel, healthiest and least loaded hosts first, never two copies
/// on one host, a failed host replaced by the next candidate, every attempt recorded. Files that
/// lost a copy are fetched first so that they can be copied again.
/// </summary>
internal sealed class Replicator(PoolContext pool, LocalCache cache, ContentFetcher fetcher)
{
    // The files a sync of this pool is copying now: a second sync leaves them to the first.
    private readonly ConcurrentDictionary<ContentHash, byte> _claims = new();

    /// <summary>See <see cref="CloudPool.SyncAsync(IProgress{FileSyncReport}, CancellationToken)"/>.</summary>
    internal async Task<SyncReport> SyncAsync(IProgress<FileSyncReport>? progress, CancellationToken cancellationToken)
    {
        var target = Math.Min(pool.Options.Redundancy, pool.Hosts.Count);
        if (target == 0)
        {
            return SyncReport.Empty;
        }

        var health = new ConcurrentDictionary<string, HostHealth>(
            (await pool.Copies.GetHostHealthAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.HostName, StringComparer.Ordinal),
            StringComparer.Ordinal);
        var counts = new ConcurrentDictionary<string, long>(
            await pool.Copies.CountStoredCopiesByHostAsync(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var reports = new ConcurrentBag<FileSyncReport>();
        const int BatchSize = 512;
        await FetchFilesToRepairAsync(target, reports, progress, cancellationToken).ConfigureAwait(false);
        var attempted = new HashSet<ContentHash>();
        while (true)
        {
            var batch = (await pool.Copies.ListUnderReplicatedAsync(pool.NodeId, target, BatchSize + attempted.Count, cancellationToken).ConfigureAwait(false))
                .Where(f => attempted.Add(f.Hash))
                .ToList();
            if (batch.Count == 0)
            {
                break;
            }

            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = pool.Options.ParallelFiles, CancellationToken = cancellationToken },
                async (file, token) =>
                {
                    if (await ReplicateAsync(file, target, health, counts, token).ConfigureAwait(false) is { } report)
                    {
                        reports.Add(report);
                        progress?.Report(report);
                    }
                }).ConfigureAwait(false);
        }

        var result = new SyncReport(reports.OrderBy(r => r.Hash).ToList());
        pool.Logger.LogInformation(
            "Sync: {Files} file(s), {Copies} cop(ies) made, {Failed} failed attempt(s), {Pending} still pending.",
            result.Files.Count, result.CopiesMade, result.FailedAttempts, result.FilesStillPending);
        return result;
    }

    /// <summary>
    /// Brings into the cache the files that lost a copy (found by <see cref="CloudPool.VerifyAsync"/> or a
    /// damaged download) and are not cached here, so that the replication below copies them again.
    /// </summary>
    private async Task FetchFilesToRepairAsync(
        int target, ConcurrentBag<FileSyncReport> reports, IProgress<FileSyncReport>? progress, CancellationToken cancellationToken)
    {
        var files = await pool.Copies.ListRepairCandidatesAsync(pool.NodeId, target, 10_000, cancellationToken).ConfigureAwait(false);
        foreach (var file in files)
        {
            try
            {
                await fetcher.WarmUpAsync(file.Hash, cancellationToken).ConfigureAwait(false);
                pool.Logger.LogInformation("{Hash} ({Name}) lost a copy; fetched it to copy it again.", file.Hash, file.Name);
            }
            catch (Exception e) when (e is ContentUnavailableException or CacheFullException)
            {
                var report = new FileSyncReport(file.Hash, file.Name, file.Size, file.StoredCopies, file.StoredCopies,
                    file.StoredCopies >= pool.MinCopies, file.StoredCopies >= pool.MinCopies,
                    [new CopyAttemptReport("(fetch for repair)", false, false, e.Message)]);
                reports.Add(report);
                progress?.Report(report);
            }
        }
    }

    private async Task<FileSyncReport?> ReplicateAsync(
        FileRecord file,
        int target,
        ConcurrentDictionary<string, HostHealth> health,
        ConcurrentDictionary<string, long> counts,
        CancellationToken cancellationToken)
    {
        // Another sync of this pool is already copying this file: let it finish rather than send the bytes twice.
        if (!_claims.TryAdd(file.Hash, 0))
        {
            return null;
        }

        try
        {
            return await ReplicateClaimedAsync(file, target, health, counts, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _claims.TryRemove(file.Hash, out _);
        }
    }

    private async Task<FileSyncReport?> ReplicateClaimedAsync(
        FileRecord file,
        int target,
        ConcurrentDictionary<string, HostHealth> health,
        ConcurrentDictionary<string, long> counts,
        CancellationToken cancellationToken)
    {
        var copies = await pool.Copies.GetCopiesAsync(file.Hash, cancellationToken).ConfigureAwait(false);
        var stored = copies.Where(c => c.State == CopyState.Stored).Select(c => c.HostName).ToHashSet(StringComparer.Ordinal);
        var failedBefore = copies.Where(c => c.State != CopyState.Stored).Select(c => c.HostName).ToHashSet(StringComparer.Ordinal);
        var needed = target - stored.Count;
        if (needed <= 0)
        {
            return null;
        }

        var source = cache.PathOf(file.Hash);
        cache.InUse.Mark(file.Hash);
        try
        {
            if (!cache.IsPresent(file.Hash, file.Size))
            {
                await cache.DropVanishedAsync(file, cancellationToken).ConfigureAwait(false);
                var wasSafe = stored.Count >= pool.MinCopies;
                return new FileSyncReport(file.Hash, file.Name, file.Size, stored.Count, stored.Count, wasSafe, wasSafe,
                    [new CopyAttemptReport("(cache)", false, false, "the cached copy is gone; fetch the file again to replicate it")]);
            }

            var queue = new Queue<string>(HostRanking.Order(pool.Hosts.Keys.Where(h => !stored.Contains(h)), health, counts, pool.Time.GetUtcNow(), pool.Options.HostCoolDown));
            var running = new List<Task<CopyAttemptReport>>();
            var attempts = new List<CopyAttemptReport>();
            var copiesNow = stored.Count;
            var successes = 0;
            while (successes < needed && (queue.Count > 0 || running.Count > 0))
            {
                while (running.Count < needed - successes && queue.Count > 0)
                {
                    var hostName = queue.Dequeue();
                    running.Add(CopyToHostAsync(pool.Hosts[hostName], file, source, failedBefore.Contains(hostName), health, counts, cancellationToken));
                }

                var finished = await Task.WhenAny(running).ConfigureAwait(false);
                running.Remove(finished);
                var attempt = await finished.ConfigureAwait(false);
                attempts.Add(attempt);
                if (attempt.Succeeded)
                {
                    successes++;
                }
            }

            copiesNow = (await pool.Files.FindFileAsync(file.Hash, CancellationToken.None).ConfigureAwait(false))?.StoredCopies ?? copiesNow + successes;
            var safe = copiesNow >= pool.MinCopies;
            if (!safe)
            {
                pool.Logger.LogWarning("{Hash} ({Name}) has {Copies} cop(ies), fewer than {Min}: it stays pending and pinned.", file.Hash, file.Name, copiesNow, pool.MinCopies);
            }

            return new FileSyncReport(file.Hash, file.Name, file.Size, stored.Count, copiesNow, stored.Count >= pool.MinCopies, safe, attempts);
        }
        finally
        {
            cache.InUse.Release(file.Hash);
        }
    }

    private async Task<CopyAttemptReport> CopyToHostAsync(
        IStorageHost host,
        FileRecord file,
        string source,
        bool isRetry,
        ConcurrentDictionary<string, HostHealth> health,
        ConcurrentDictionary<string, long> counts,
        CancellationToken cancellationToken)
    {
        HostLocator? locator = null;
        string? error = null;
        try
        {
            locator = await host.UploadAsync(file.Content, source, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is StorageHostException or IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            error = e.Message;
            pool.Logger.LogWarning("Copying {Hash} to host {Host} failed: {Error}", file.Hash, host.Name, e.Message);
        }

        var now = pool.Time.GetUtcNow();
        // The attempt happened: record it even if the sync is being cancelled.
        await pool.Copies.RecordCopyAttemptAsync(pool.NodeId, new CopyAttempt(file.Hash, host.Name, locator, error, locator is null ? 0 : file.Size), now, CancellationToken.None)
            .ConfigureAwait(false);
        health.AddOrUpdate(
            host.Name,
            _ => locator is null ? new HostHealth(host.Name, 0, 1, 1, error, now, null) : new HostHealth(host.Name, 1, 0, 0, null, null, now),
            (_, h) => locator is null
                ? h with { Failures = h.Failures + 1, ConsecutiveFailures = h.ConsecutiveFailures + 1, LastError = error, LastFailureAt = now }
                : h with { Successes = h.Successes + 1, ConsecutiveFailures = 0, LastSuccessAt = now });
        if (locator is not null)
        {
            counts.AddOrUpdate(host.Name, 1, (_, n) => n + 1);
        }

        return new CopyAttemptReport(host.Name, locator is not null, isRetry, error);
    }
}
