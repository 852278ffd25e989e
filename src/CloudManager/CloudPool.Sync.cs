using System.Collections.Concurrent;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.Replication;
using Microsoft.Extensions.Logging;

namespace CloudManager;

public sealed partial class CloudPool
{
    /// <summary>
    /// Copies every cached file that has fewer than the redundancy's copies to more hosts (the seed's
    /// <c>cloud_sync</c>): in parallel, healthiest and least loaded hosts first, never two copies on one
    /// host, a failed host replaced by the next candidate. A file becomes safe (evictable, exportable)
    /// once at least the minimum number of hosts hold it; until then it stays pinned in the cache and
    /// is tried again on the next sync. Every attempt is recorded, failures included.
    /// </summary>
    /// <returns>What was copied, retried and failed, file by file.</returns>
    public Task<SyncReport> SyncAsync(CancellationToken cancellationToken = default) => SyncAsync(progress: null, cancellationToken);

    /// <summary>
    /// Replicates as <see cref="SyncAsync(CancellationToken)"/> does, reporting each file as soon as
    /// its attempts are done (from several threads at once when files run in parallel).
    /// </summary>
    /// <param name="progress">Receives one report per file that needed copies; null for none.</param>
    /// <param name="cancellationToken">Cancels the sync; attempts already made stay recorded.</param>
    /// <returns>What was copied, retried and failed, file by file.</returns>
    public async Task<SyncReport> SyncAsync(IProgress<FileSyncReport>? progress, CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var target = Math.Min(_options.Redundancy, _hosts.Count);
        if (target == 0)
        {
            return SyncReport.Empty;
        }

        var health = new ConcurrentDictionary<string, HostHealth>(
            (await _catalog.GetHostHealthAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.HostName, StringComparer.Ordinal),
            StringComparer.Ordinal);
        var counts = new ConcurrentDictionary<string, long>(
            await _catalog.CountStoredCopiesByHostAsync(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var reports = new ConcurrentBag<FileSyncReport>();
        const int BatchSize = 512;
        await FetchFilesToRepairAsync(target, reports, progress, cancellationToken).ConfigureAwait(false);
        var attempted = new HashSet<ContentHash>();
        while (true)
        {
            var batch = (await _catalog.ListUnderReplicatedAsync(_nodeId, target, BatchSize + attempted.Count, cancellationToken).ConfigureAwait(false))
                .Where(f => attempted.Add(f.Hash))
                .ToList();
            if (batch.Count == 0)
            {
                break;
            }

            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = _options.ParallelFiles, CancellationToken = cancellationToken },
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
        _logger.LogInformation(
            "Sync: {Files} file(s), {Copies} cop(ies) made, {Failed} failed attempt(s), {Pending} still pending.",
            result.Files.Count, result.CopiesMade, result.FailedAttempts, result.FilesStillPending);
        return result;
    }

    /// <summary>
    /// Brings into the cache the files that lost a copy (found by <see cref="VerifyAsync"/> or a
    /// damaged download) and are not cached here, so that the replication below copies them again.
    /// </summary>
    private async Task FetchFilesToRepairAsync(
        int target, ConcurrentBag<FileSyncReport> reports, IProgress<FileSyncReport>? progress, CancellationToken cancellationToken)
    {
        var files = await _catalog.ListRepairCandidatesAsync(_nodeId, target, 10_000, cancellationToken).ConfigureAwait(false);
        foreach (var file in files)
        {
            try
            {
                await WarmUpAsync(file.Hash.ToString(), cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("{Hash} ({Name}) lost a copy; fetched it to copy it again.", file.Hash, file.Name);
            }
            catch (Exception e) when (e is ContentUnavailableException or CacheFullException)
            {
                var report = new FileSyncReport(file.Hash, file.Name, file.Size, file.StoredCopies, file.StoredCopies,
                    file.StoredCopies >= _options.MinCopies, file.StoredCopies >= _options.MinCopies,
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
        if (!_replicating.TryAdd(file.Hash, 0))
        {
            return null;
        }

        try
        {
            return await ReplicateClaimedAsync(file, target, health, counts, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _replicating.TryRemove(file.Hash, out _);
        }
    }

    private async Task<FileSyncReport?> ReplicateClaimedAsync(
        FileRecord file,
        int target,
        ConcurrentDictionary<string, HostHealth> health,
        ConcurrentDictionary<string, long> counts,
        CancellationToken cancellationToken)
    {
        var copies = await _catalog.GetCopiesAsync(file.Hash, cancellationToken).ConfigureAwait(false);
        var stored = copies.Where(c => c.State == CopyState.Stored).Select(c => c.HostName).ToHashSet(StringComparer.Ordinal);
        var failedBefore = copies.Where(c => c.State != CopyState.Stored).Select(c => c.HostName).ToHashSet(StringComparer.Ordinal);
        var needed = target - stored.Count;
        if (needed <= 0)
        {
            return null;
        }

        var source = _layout.PathOf(file.Hash);
        MarkInUse(file.Hash);
        try
        {
            if (!IsPresent(file.Hash, file.Size))
            {
                await DropVanishedAsync(file, cancellationToken).ConfigureAwait(false);
                var wasSafe = stored.Count >= _options.MinCopies;
                return new FileSyncReport(file.Hash, file.Name, file.Size, stored.Count, stored.Count, wasSafe, wasSafe,
                    [new CopyAttemptReport("(cache)", false, false, "the cached copy is gone; fetch the file again to replicate it")]);
            }

            var queue = new Queue<string>(HostRanking.Order(_hosts.Keys.Where(h => !stored.Contains(h)), health, counts, _time.GetUtcNow(), _options.HostCoolDown));
            var running = new List<Task<CopyAttemptReport>>();
            var attempts = new List<CopyAttemptReport>();
            var copiesNow = stored.Count;
            var successes = 0;
            while (successes < needed && (queue.Count > 0 || running.Count > 0))
            {
                while (running.Count < needed - successes && queue.Count > 0)
                {
                    var hostName = queue.Dequeue();
                    running.Add(CopyToHostAsync(_hosts[hostName], file, source, failedBefore.Contains(hostName), health, counts, cancellationToken));
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

            copiesNow = (await _catalog.FindFileAsync(file.Hash, CancellationToken.None).ConfigureAwait(false))?.StoredCopies ?? copiesNow + successes;
            var safe = copiesNow >= _options.MinCopies;
            if (!safe)
            {
                _logger.LogWarning("{Hash} ({Name}) has {Copies} cop(ies), fewer than {Min}: it stays pending and pinned.", file.Hash, file.Name, copiesNow, _options.MinCopies);
            }

            return new FileSyncReport(file.Hash, file.Name, file.Size, stored.Count, copiesNow, stored.Count >= _options.MinCopies, safe, attempts);
        }
        finally
        {
            ReleaseInUse(file.Hash);
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
        var slot = _hostSlots[host.Name];
        await slot.WaitAsync(cancellationToken).ConfigureAwait(false);
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
            _logger.LogWarning("Copying {Hash} to host {Host} failed: {Error}", file.Hash, host.Name, e.Message);
        }
        finally
        {
            slot.Release();
        }

        var now = _time.GetUtcNow();
        // The attempt happened: record it even if the sync is being cancelled.
        await _catalog.RecordCopyAttemptAsync(_nodeId, new CopyAttempt(file.Hash, host.Name, locator, error, locator is null ? 0 : file.Size), now, CancellationToken.None)
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
