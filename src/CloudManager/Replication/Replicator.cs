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
/// <remarks>
/// Bytes are verified on the way out: a file is read once and fanned out to its hosts
/// (<see cref="CacheFileBroadcast"/>), hashed as it is read, and its last bytes reach no host unless
/// the whole file hashes right. A damaged cached copy stops those copies (recorded as failed, not
/// against the hosts' health), is set aside in the cache folder's <c>quarantine/</c>, and is fetched
/// again from a good copy on a host, with which the sync goes on; with no good copy anywhere the
/// file is reported lost.
/// </remarks>
internal sealed class Replicator(PoolContext pool, LocalCache cache, ContentFetcher fetcher)
{
    // The files a sync of this pool is copying now: a second sync leaves them to the first.
    private readonly ConcurrentDictionary<ContentHash, byte> _claims = new();
    private readonly Verifier.CopyVerifier _verifier = new(pool);
    private readonly Journal.JournalWriter _journal = new(pool);
    private long _cacheFileOpens;

    /// <summary>How many times syncs opened a cached file to send it (once per file when all goes well, however many hosts).</summary>
    internal long CacheFileOpens => Interlocked.Read(ref _cacheFileOpens);

    /// <summary>See <see cref="CloudPool.SyncAsync(IProgress{FileSyncReport}, CancellationToken)"/>.</summary>
    internal async Task<SyncReport> SyncAsync(IProgress<FileSyncReport>? progress, CancellationToken cancellationToken)
    {
        var target = Math.Min(pool.Options.Redundancy, pool.Hosts.Count);
        if (target == 0)
        {
            return SyncReport.Empty;
        }

        await pool.SharedTime.CalibrateAsync(pool.Catalog, cancellationToken).ConfigureAwait(false);
        await pool.Identities.ResolveAsync(cancellationToken).ConfigureAwait(false);
        await ConfirmHintsAsync(cancellationToken).ConfigureAwait(false);

        var health = new ConcurrentDictionary<string, HostHealth>(
            (await pool.Copies.GetHostHealthAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.HostName, StringComparer.Ordinal),
            StringComparer.Ordinal);
        var byId = await pool.Copies.CountStoredCopiesByHostAsync(cancellationToken).ConfigureAwait(false);
        var counts = new ConcurrentDictionary<string, long>(
            pool.Hosts.Keys.ToDictionary(n => n, n => pool.Identities.IdOf(n) is { } id ? byId.GetValueOrDefault(id) : 0), StringComparer.Ordinal);
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

        // The hosts' journals: the records of the copies confirmed this run and of any still missing.
        var (journaled, journalFailures) = await _journal.WriteAsync(cancellationToken).ConfigureAwait(false);
        var result = new SyncReport(reports.OrderBy(r => r.Hash).ToList()) { JournalRecordsWritten = journaled, JournalFailures = journalFailures };
        pool.Logger.LogInformation(
            "Sync: {Files} files, {Copies} copies made, {Failed} failed attempts, {Pending} still pending.",
            result.Files.Count, result.CopiesMade, result.FailedAttempts, result.FilesStillPending);
        return result;
    }

    /// <summary>
    /// Looks on the hosts configured here for the copies other nodes' records say they hold: one found
    /// (right size, on the host's identity read this run) counts from now on; one the host does not hold
    /// is forgotten; a host that does not answer leaves the link for later.
    /// </summary>
    private async Task ConfirmHintsAsync(CancellationToken cancellationToken)
    {
        var names = pool.Hosts.Keys.Where(pool.Identities.IsConfirmed).ToList();
        ContentHash? after = null;
        while (true)
        {
            var files = await pool.Copies.ListFilesWithHintsAsync(names, after, 256, cancellationToken).ConfigureAwait(false);
            if (files.Count == 0)
            {
                return;
            }

            await Parallel.ForEachAsync(
                files,
                new ParallelOptions { MaxDegreeOfParallelism = pool.Options.ParallelFiles, CancellationToken = cancellationToken },
                async (file, token) =>
                {
                    foreach (var hint in await pool.Copies.GetCopyHintsAsync(file.Hash, token).ConfigureAwait(false))
                    {
                        if (pool.Identities.IsConfirmed(hint.HostName))
                        {
                            await _verifier.CheckHintAsync(file, hint, deep: false, token).ConfigureAwait(false);
                        }
                    }
                }).ConfigureAwait(false);
            after = files[^1].Hash;
        }
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
        cache.InUse.Mark(file.Hash);
        var leases = new LeaseKeeper(pool, file.Hash);
        await using var leasesScope = leases.ConfigureAwait(false);
        try
        {
            var attempts = new List<CopyAttemptReport>();
            string? quarantined = null;
            int? copiesBefore = null;
            // A second pass only after the damaged cached copy was replaced by a good one from a host.
            for (var pass = 1; ; pass++)
            {
                var copies = await pool.Copies.GetCopiesAsync(file.Hash, cancellationToken).ConfigureAwait(false);
                // Copies count on the hosts this node has; no host that holds one (configured or not) is given another.
                var storedIds = copies.Where(c => c.State == CopyState.Stored).Select(c => c.HostId).ToHashSet(StringComparer.Ordinal);
                var stored = storedIds.Where(id => pool.Identities.HostOf(id) is not null).ToHashSet(StringComparer.Ordinal);
                var failedBefore = copies.Where(c => c.State != CopyState.Stored).Select(c => c.HostId).ToHashSet(StringComparer.Ordinal);
                copiesBefore ??= stored.Count;
                var needed = target - stored.Count;
                if (needed <= 0)
                {
                    return pass == 1 ? null : Report(file, copiesBefore.Value, stored.Count, attempts, quarantined, lost: false);
                }

                if (!cache.IsPresent(file.Hash, file.Size))
                {
                    await cache.DropVanishedAsync(file, cancellationToken).ConfigureAwait(false);
                    attempts.Add(new CopyAttemptReport("(cache)", false, false, "the cached copy is gone; fetch the file again to replicate it"));
                    return Report(file, copiesBefore.Value, stored.Count, attempts, quarantined, lost: false);
                }

                var mismatch = await CopyToHostsAsync(file, target, needed, storedIds, failedBefore, leases, health, counts, attempts, cancellationToken).ConfigureAwait(false);
                if (mismatch is null || pass > 1)
                {
                    var copiesNow = (await pool.Files.FindFileAsync(file.Hash, CancellationToken.None).ConfigureAwait(false))?.StoredCopies ?? stored.Count;
                    if (mismatch is not null)
                    {
                        // Damaged again right after a verified fetch: the cache's disk is failing. Keep the file pending.
                        quarantined = await cache.QuarantineAsync(file.Hash, mismatch.Message, CancellationToken.None).ConfigureAwait(false) ?? quarantined;
                    }

                    return Report(file, copiesBefore.Value, copiesNow, attempts, quarantined, lost: false);
                }

                quarantined = await cache.QuarantineAsync(file.Hash, mismatch.Message, CancellationToken.None).ConfigureAwait(false);
                if (await RefetchAsync(file, attempts, cancellationToken).ConfigureAwait(false) is { } copiesLeft)
                {
                    var lost = copiesLeft == 0;
                    if (lost)
                    {
                        pool.Logger.LogError(
                            "{Hash} ({Name}) is LOST: its cached copy is damaged and no host holds a good copy. The damaged bytes are in {Path}.",
                            file.Hash, file.Name, quarantined);
                    }

                    return Report(file, copiesBefore.Value, copiesLeft, attempts, quarantined, lost);
                }
            }
        }
        finally
        {
            cache.InUse.Release(file.Hash);
        }
    }

    /// <summary>
    /// Fetches a good copy of a file whose cached copy was damaged from the hosts into the cache.
    /// </summary>
    /// <returns>Null when the file is cached again (the sync goes on with the good bytes); else the good copies the hosts still hold.</returns>
    private async Task<int?> RefetchAsync(FileRecord file, List<CopyAttemptReport> attempts, CancellationToken cancellationToken)
    {
        try
        {
            await fetcher.WarmUpAsync(file.Hash, cancellationToken).ConfigureAwait(false);
            pool.Logger.LogWarning("{Hash} ({Name}): fetched a good copy from a host to replace the damaged cached copy.", file.Hash, file.Name);
            return null;
        }
        catch (Exception e) when (e is ContentUnavailableException or CacheFullException)
        {
            attempts.Add(new CopyAttemptReport("(fetch a good copy)", false, false, e.Message));
            return (await pool.Files.FindFileAsync(file.Hash, CancellationToken.None).ConfigureAwait(false))?.StoredCopies ?? 0;
        }
    }

    private FileSyncReport Report(FileRecord file, int copiesBefore, int copiesNow, List<CopyAttemptReport> attempts, string? quarantined, bool lost)
    {
        var safe = copiesNow >= pool.MinCopies;
        if (!safe && !lost)
        {
            pool.Logger.LogWarning("{Hash} ({Name}) has {Copies}, fewer than {Min}: it stays pending and pinned.", file.Hash, file.Name, Counted.Of(copiesNow, "copy"), pool.MinCopies);
        }

        return new FileSyncReport(file.Hash, file.Name, file.Size, copiesBefore, copiesNow, copiesBefore >= pool.MinCopies, safe, attempts)
        {
            CachedCopyDamaged = quarantined is not null,
            QuarantinePath = quarantined,
            IsLost = lost,
        };
    }

    /// <summary>
    /// Copies the cached file to <paramref name="needed"/> more hosts, the first ones sharing one
    /// verified read of it (<see cref="CacheFileBroadcast"/>); a failed host is replaced by the next
    /// candidate. Stops at the first sign that the cached copy is damaged.
    /// </summary>
    /// <returns>The damage found, or null.</returns>
    private async Task<ContentMismatchException?> CopyToHostsAsync(
        FileRecord file,
        int target,
        int needed,
        HashSet<string> storedIds,
        HashSet<string> failedBefore,
        LeaseKeeper leases,
        ConcurrentDictionary<string, HostHealth> health,
        ConcurrentDictionary<string, long> counts,
        List<CopyAttemptReport> attempts,
        CancellationToken cancellationToken)
    {
        // Only hosts whose identity was read this run take copies, and none that holds one already.
        var writable = pool.Hosts.Keys.Where(n => pool.Identities.IsConfirmed(n) && !storedIds.Contains(pool.Identities.IdOf(n)!));
        var queue = new Queue<string>(HostRanking.Order(writable, health, counts, pool.SharedTime.GetUtcNow(), pool.Options.HostCoolDown));
        var broadcast = new CacheFileBroadcast(cache.PathOf(file.Hash), file.Content, () => Interlocked.Increment(ref _cacheFileOpens), pool.Time, cancellationToken);
        var running = new List<Task<CopyAttemptReport>>();
        var shares = new List<CacheFileBroadcast.Share>();
        var successes = 0;
        ContentMismatchException? mismatch = null;
        while (successes < needed && (queue.Count > 0 || running.Count > 0))
        {
            if (mismatch is null)
            {
                // Another node may be making a copy, or enough others: the shared lease decides, host by host.
                var leased = new List<(string Name, string Id)>();
                while (leased.Count < needed - successes - running.Count && queue.Count > 0)
                {
                    var hostName = queue.Dequeue();
                    var hostId = pool.Identities.IdOf(hostName)!;
                    if (await leases.TryTakeAsync(hostId, target, cancellationToken).ConfigureAwait(false))
                    {
                        leased.Add((hostName, hostId));
                    }
                }

                // Every host of a round is added before any starts, so that the shared read waits for all of them.
                var round = leased.Select(h => (h.Name, h.Id, Share: broadcast.AddHost())).ToList();
                foreach (var (hostName, hostId, share) in round)
                {
                    shares.Add(share);
                    running.Add(CopyToHostAsync(pool.Hosts[hostName], hostId, file, share, failedBefore.Contains(hostId), health, counts, cancellationToken));
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var finished = await Task.WhenAny(running).ConfigureAwait(false);
            running.Remove(finished);
            CopyAttemptReport attempt;
            try
            {
                attempt = await finished.ConfigureAwait(false);
            }
            catch
            {
                // Cancelled: let the other uploads clean up (delete their partial copies) before the sync returns.
                await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default))).ConfigureAwait(false);
                throw;
            }

            attempts.Add(attempt);
            if (attempt.Succeeded)
            {
                successes++;
            }

            mismatch ??= shares.Select(s => s.Mismatch).FirstOrDefault(m => m is not null);
        }

        return mismatch ?? shares.Select(s => s.Mismatch).FirstOrDefault(m => m is not null);
    }

    private async Task<CopyAttemptReport> CopyToHostAsync(
        IStorageHost host,
        string hostId,
        FileRecord file,
        CacheFileBroadcast.Share source,
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
        catch (Exception e) when (source.Mismatch is not null || e is ContentMismatchException
            or StorageHostException or IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            error = source.Mismatch?.Message ?? e.Message;
            pool.Logger.LogWarning("Copying {Hash} to host {Host} failed: {Error}", file.Hash, host.Name, error);
        }
        finally
        {
            source.Done();
        }

        // The bytes were damaged on our side: the host did nothing wrong, and its health stays as it was.
        var damaged = source.Mismatch is not null && locator is null;
        var now = pool.SharedTime.GetUtcNow();
        // The attempt happened: record it even if the sync is being cancelled.
        await pool.Copies.RecordCopyAttemptAsync(
            pool.NodeId, new CopyAttempt(file.Hash, hostId, host.Name, locator, error, locator is null ? 0 : file.Size) { SourceDamaged = damaged }, now, CancellationToken.None)
            .ConfigureAwait(false);
        if (!damaged)
        {
            health.AddOrUpdate(
                host.Name,
                _ => locator is null ? new HostHealth(host.Name, 0, 1, 1, error, now, null) : new HostHealth(host.Name, 1, 0, 0, null, null, now),
                (_, h) => locator is null
                    ? h with { Failures = h.Failures + 1, ConsecutiveFailures = h.ConsecutiveFailures + 1, LastError = error, LastFailureAt = now }
                    : h with { Successes = h.Successes + 1, ConsecutiveFailures = 0, LastSuccessAt = now });
        }

        if (locator is not null)
        {
            counts.AddOrUpdate(host.Name, 1, (_, n) => n + 1);
        }

        return new CopyAttemptReport(host.Name, locator is not null, isRetry, error);
    }
}
