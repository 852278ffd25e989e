using System.Buffers;
using System.Security.Cryptography;
using CloudManager.Catalog;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager.Cache;

/// <summary>
/// Makes the cache folder and the catalog agree when the pool opens, never deleting a cached file on
/// the catalog's word: removes leftover temp files (by their exact name), adopts every file under
/// <c>objects/</c> without an entry here whose bytes hash to its name (registering it again, pending,
/// when the catalog does not know it), moves every other stray file to the quarantine folder, and
/// drops entries whose file is gone.
/// </summary>
/// <remarks>
/// The files to verify are hashed in parallel without holding the cache gate, so that other
/// processes on the folder are not held up by a long scan; each is then checked again (still there,
/// unchanged, still without an entry) and adopted under the gate, its file row and cache entry in one
/// transaction, so that no process ever sees a file half adopted.
/// </remarks>
internal sealed class CacheReconciler(PoolContext pool, LocalCache cache)
{
    /// <summary>Files adopted per hold of the gate, so that a large adoption lets other processes in between.</summary>
    private const int AdoptionBatch = 256;

    private const int HashBufferSize = 1 << 20;

    /// <summary>Runs once when the pool opens; takes the cache gate for each step that changes the folder or the entries.</summary>
    internal async Task<CacheReconciliation> ReconcileAsync(CancellationToken cancellationToken)
    {
        Scan scan;
        using (await pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            scan = await ScanAsync(cancellationToken).ConfigureAwait(false);
        }

        var hashed = await HashAllAsync(scan.Candidates, cancellationToken).ConfigureAwait(false);
        var adoption = new Adoption();
        foreach (var batch in hashed.Chunk(AdoptionBatch))
        {
            using (await pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                await AdoptAsync(batch, adoption, scan.Quarantined, cancellationToken).ConfigureAwait(false);
            }
        }

        if (adoption.Adopted.Count > 0)
        {
            await KeepWithinLimitAsync(cancellationToken).ConfigureAwait(false);
            pool.Logger.LogInformation(
                "Adopted {Count} cached file(s) the catalog did not record as cached here ({Registered} registered again as pending).",
                adoption.Adopted.Count, adoption.Registered);
        }

        return new CacheReconciliation(
            pool.Catalog.DisplayName, pool.Layout.Root, pool.Layout.QuarantinePath, scan.TempRemoved,
            adoption.Adopted, adoption.AdoptedBytes, adoption.Registered, adoption.RegisteredBytes, scan.Quarantined,
            scan.CatalogWasEmpty, scan.FilesFound, scan.Missing, scan.Lost);
    }

    /// <summary>
    /// The quick part, under the gate: removes stale temp files, moves files that cannot be adopted
    /// (names that are not hashes, sizes the entry disagrees with) to quarantine, drops entries whose
    /// file is gone, and lists the files to verify.
    /// </summary>
    private async Task<Scan> ScanAsync(CancellationToken cancellationToken)
    {
        var tempRemoved = pool.Layout.DeleteStaleTempFiles();
        var entries = (await pool.CacheIndex.ListCacheEntriesAsync(pool.NodeId, cancellationToken).ConfigureAwait(false))
            .ToDictionary(e => e.Hash);
        var objects = pool.Layout.EnumerateObjects().ToList();
        var catalogWasEmpty = objects.Count > 0 && (await pool.Files.CountFilesAsync(cancellationToken).ConfigureAwait(false)).Count == 0;
        var seen = new HashSet<ContentHash>();
        var quarantined = new List<QuarantinedFile>();
        var candidates = new List<Candidate>();
        foreach (var (hash, path, length) in objects)
        {
            if (hash is not { } h)
            {
                Add(quarantined, cache.MoveToQuarantine(path, Path.GetFileName(path), "its name is not the hash of a file in its shard folder"));
            }
            else if (!entries.TryGetValue(h, out var entry))
            {
                candidates.Add(new Candidate(h, path, length, File.GetLastWriteTimeUtc(path)));
            }
            else if (entry.Size == length)
            {
                seen.Add(h);
            }
            else
            {
                // Its entry is dropped below with those of missing files.
                Add(quarantined, cache.MoveToQuarantine(path, h.ToString(), $"it is {length} bytes but the catalog records {entry.Size}"));
            }
        }

        var (missing, lost) = await DropMissingAsync(entries.Values.Where(e => !seen.Contains(e.Hash)), cancellationToken).ConfigureAwait(false);
        return new Scan(tempRemoved, objects.Count, catalogWasEmpty, candidates, quarantined, missing, lost);
    }

    /// <summary>Drops the entries whose file is gone or was the wrong size, so the files can be fetched again.</summary>
    /// <returns>The files dropped, and among them those not yet safe on the hosts.</returns>
    private async Task<(List<ContentHash> Missing, List<ContentHash> Lost)> DropMissingAsync(
        IEnumerable<CacheEntry> unseen, CancellationToken cancellationToken)
    {
        var missing = new List<ContentHash>();
        var lost = new List<ContentHash>();
        foreach (var entry in unseen)
        {
            await cache.RemoveEntryAsync(entry.Hash, null, cancellationToken).ConfigureAwait(false);
            missing.Add(entry.Hash);
            var file = await pool.Files.FindFileAsync(entry.Hash, cancellationToken).ConfigureAwait(false);
            if (file is not null && file.StoredCopies < pool.MinCopies)
            {
                lost.Add(entry.Hash);
                pool.Logger.LogError("The cached copy of {Hash} ({Name}) is gone and only {Copies} host(s) hold it.", entry.Hash, file.Name, file.StoredCopies);
            }
            else
            {
                pool.Logger.LogWarning("The cached copy of {Hash} is gone; it will be fetched from the hosts when asked for.", entry.Hash);
            }
        }

        return (missing, lost);
    }

    /// <summary>Hashes the candidates, as many at once as there are cores; a file gone meanwhile is left out.</summary>
    private static async Task<List<(Candidate File, ContentHash Actual)>> HashAllAsync(List<Candidate> candidates, CancellationToken cancellationToken)
    {
        var results = new (Candidate File, ContentHash? Actual)[candidates.Count];
        await Parallel.ForAsync(0, candidates.Count, new ParallelOptions
        {
            MaxDegreeOfParallelism = Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        }, async (i, ct) =>
        {
            try
            {
                results[i] = (candidates[i], await HashFileAsync(candidates[i].Path, ct).ConfigureAwait(false));
            }
            catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // Evicted or adopted and evicted by another process meanwhile: nothing left to decide.
                results[i] = (candidates[i], null);
            }
        }).ConfigureAwait(false);
        return [.. results.Where(r => r.Actual is not null).Select(r => (r.File, r.Actual!.Value))];
    }

    /// <summary>The SHA-256 of a file, read once in large blocks.</summary>
    private static async Task<ContentHash> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HashBufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var stream = DurableFile.OpenSequentialRead(path);
            await using (stream.ConfigureAwait(false))
            {
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(0, HashBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                }
            }

            return ContentHash.FromBytes(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Adopts or quarantines hashed files, under the gate: each is first checked again, since another
    /// process may have recorded, replaced or evicted it while it was hashed.
    /// </summary>
    private async Task AdoptAsync(
        (Candidate File, ContentHash Actual)[] batch, Adoption adoption, List<QuarantinedFile> quarantined, CancellationToken cancellationToken)
    {
        var known = await pool.Files.FindFilesAsync([.. batch.Select(b => b.File.Hash).Distinct()], cancellationToken).ConfigureAwait(false);
        foreach (var (candidate, actual) in batch)
        {
            var info = new FileInfo(candidate.Path);
            if (!info.Exists || info.Length != candidate.Length || info.LastWriteTimeUtc != candidate.WrittenAt
                || await pool.CacheIndex.FindCacheEntryAsync(pool.NodeId, candidate.Hash, cancellationToken).ConfigureAwait(false) is not null)
            {
                // Changed or recorded by another process meanwhile: left as it is now; the next opening looks again.
                continue;
            }

            var record = known.GetValueOrDefault(candidate.Hash);
            if (actual != candidate.Hash)
            {
                Add(quarantined, cache.MoveToQuarantine(candidate.Path, candidate.Hash.ToString(), $"its bytes hash to {actual}, not to its name"));
            }
            else if (record is not null && record.Size != candidate.Length)
            {
                Add(quarantined, cache.MoveToQuarantine(candidate.Path, candidate.Hash.ToString(), $"it is {candidate.Length} bytes but the catalog records {record.Size} for its hash"));
            }
            else
            {
                var now = pool.SharedTime.GetUtcNow();
                record ??= new FileRecord(candidate.Hash, candidate.Length, candidate.Hash.ToString()[..10], now, 0, null, null);
                // The file row (when new) and the entry in one transaction; nothing was received, so the meter is not moved.
                var registered = await pool.CacheIndex.AddCachedFileAsync(pool.NodeId, record, pool.Options.EvictionPolicy, 0, now, cancellationToken).ConfigureAwait(false);
                adoption.Add(candidate.Hash, candidate.Length, registered);
                pool.Logger.LogDebug("Adopted {Path} ({Size} bytes){Registered}.", candidate.Path, candidate.Length, registered ? ", registered again as pending" : "");
            }
        }
    }

    /// <summary>
    /// Adopted files may take the cache past its limit: evicts safe files by policy to come back under
    /// it when it can. Files not yet safe stay, whatever the limit.
    /// </summary>
    private async Task KeepWithinLimitAsync(CancellationToken cancellationToken)
    {
        using (await pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            var used = await pool.CacheIndex.GetUsedBytesAsync(pool.NodeId, cancellationToken).ConfigureAwait(false);
            if (used <= pool.CacheLimit)
            {
                return;
            }

            try
            {
                await cache.Evictor.MakeRoomAsync(0, cancellationToken).ConfigureAwait(false);
            }
            catch (CacheFullException)
            {
                pool.Logger.LogWarning(
                    "The cache holds {Used} bytes, more than its limit of {Limit}, after adopting the files the catalog did not record; "
                    + "they are not yet safe, so none is evicted. Run `cm sync` so that they can be, or give the pool a larger capacity.",
                    used, pool.CacheLimit);
            }
        }
    }

    private static void Add(List<QuarantinedFile> list, QuarantinedFile? file)
    {
        if (file is not null)
        {
            list.Add(file);
        }
    }

    /// <summary>A file under <c>objects/</c> named by a hash and without an entry here, as the scan found it.</summary>
    private sealed record Candidate(ContentHash Hash, string Path, long Length, DateTime WrittenAt);

    private sealed record Scan(
        int TempRemoved, int FilesFound, bool CatalogWasEmpty, List<Candidate> Candidates, List<QuarantinedFile> Quarantined,
        List<ContentHash> Missing, List<ContentHash> Lost);

    private sealed class Adoption
    {
        public List<ContentHash> Adopted { get; } = [];

        public long AdoptedBytes { get; private set; }

        public int Registered { get; private set; }

        public long RegisteredBytes { get; private set; }

        public void Add(ContentHash hash, long size, bool registered)
        {
            Adopted.Add(hash);
            AdoptedBytes += size;
            if (registered)
            {
                Registered++;
                RegisteredBytes += size;
            }
        }
    }
}
