using System.Collections.Concurrent;
using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.Hosts;

namespace CloudManager.Testing;

/// <summary>
/// A pool on disk to check: its catalog, its cache folder, the folders of its directory hosts and
/// what the runs that used it reported, so that the checker can hold the pool to those reports.
/// </summary>
/// <param name="Catalog">A SQLite path, or a <c>postgres://</c> URI or Npgsql connection string.</param>
/// <param name="CachePath">The node's cache folder (its <c>node-id</c> names the node).</param>
/// <param name="HostFolders">Host name to folder, for every directory host of the pool.</param>
/// <param name="CapacityBytes">The cache's capacity.</param>
/// <param name="MaxFill">The share of the capacity the cache may fill.</param>
/// <param name="MinCopies">How many hosts make a file safe.</param>
public sealed record PoolUnderCheck(
    string Catalog, string CachePath, IReadOnlyDictionary<string, string> HostFolders, long CapacityBytes, double MaxFill = 0.9, int MinCopies = 2)
{
    /// <summary>Hashes a run reported as uploaded (printed before it ended or was killed).</summary>
    public IReadOnlyCollection<string> ReportedUploads { get; init; } = [];

    /// <summary>Hashes a run reported as safe on the hosts.</summary>
    public IReadOnlyCollection<string> ReportedSafe { get; init; } = [];

    /// <summary>Imports that may have been interrupted: each batch must be in the catalog whole or not at all.</summary>
    public IReadOnlyCollection<IReadOnlyCollection<string>> ImportBatches { get; init; } = [];

    /// <summary>The meter read by the previous check; the new reading must not be lower.</summary>
    public TransferTotals? PreviousMeter { get; init; }

    /// <summary>The most bytes the cache may hold.</summary>
    public long CacheLimit => (long)Math.Floor(CapacityBytes * MaxFill);
}

/// <summary>What a check found: the violations (empty when the pool is sound) and what reopening repaired.</summary>
/// <param name="Violations">One sentence per broken invariant.</param>
/// <param name="Meter">The node's transfer meter, for the next check's <see cref="PoolUnderCheck.PreviousMeter"/>.</param>
/// <param name="Reconciliation">What reopening the pool found and fixed in the cache folder.</param>
/// <param name="CachedFiles">Files the node caches after reopening.</param>
/// <param name="CatalogFiles">Files the catalog knows.</param>
/// <param name="AbandonedHostUploads">Partial copies on directory hosts left by a dead writer (see <see cref="PoolInvariants.AbandonedHostUploads"/>).</param>
public sealed record InvariantReport(
    IReadOnlyList<string> Violations, TransferTotals Meter, CacheReconciliation Reconciliation, int CachedFiles, int CatalogFiles, IReadOnlyList<string> AbandonedHostUploads)
{
    /// <summary>Whether every invariant holds.</summary>
    public bool Holds => Violations.Count == 0;
}

/// <summary>
/// The pool's safety invariants, checked from the outside after a run, a crash or a fault: reopen
/// the pool (as the next command would), then compare the catalog with the cache folder and the
/// host folders byte for byte.
/// </summary>
public static class PoolInvariants
{
    // Hashing the same host copy after every kill of a long campaign is most of its time: remember
    // the hash of a file as long as its length and modification time do not change.
    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Modified), ContentHash> KnownHashes = new();

    /// <summary>Opens the catalog a <see cref="PoolUnderCheck.Catalog"/> names.</summary>
    public static ICatalog OpenCatalog(string catalog) =>
        PostgresCatalog.IsPostgresUri(catalog) || catalog.Contains("Host=", StringComparison.Ordinal)
            ? PostgresCatalog.Open(catalog)
            : new SqliteCatalog(catalog);

    /// <summary>Reopens the pool and checks every invariant; returns what is broken.</summary>
    public static async Task<InvariantReport> CheckAsync(PoolUnderCheck pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var violations = new List<string>();
        var reconciliation = await ReopenAsync(pool, cancellationToken);
        foreach (var hash in reconciliation.LostFiles)
        {
            violations.Add($"{hash}: its cached copy was gone on reopening while fewer than {pool.MinCopies} hosts held it (lost)");
        }

        var nodeId = (await File.ReadAllTextAsync(Path.Combine(pool.CachePath, "node-id"), cancellationToken)).Trim();
        await using var catalog = OpenCatalog(pool.Catalog);
        var entries = (await catalog.ListCacheEntriesAsync(nodeId, cancellationToken)).ToDictionary(e => e.Hash);
        var files = await ListAllFilesAsync(catalog, cancellationToken);

        await CheckCacheFolderAsync(pool, entries, files, violations, cancellationToken);
        var used = await catalog.GetUsedBytesAsync(nodeId, cancellationToken);
        var sum = entries.Values.Sum(e => e.Size);
        if (used != sum)
        {
            violations.Add($"used bytes are {used} but the cached files add up to {sum}");
        }

        if (sum > pool.CacheLimit && entries.Values.Any(e => !e.Pinned && files.TryGetValue(e.Hash, out var f) && f.StoredCopies >= pool.MinCopies))
        {
            violations.Add($"the cache holds {sum} bytes, over its limit of {pool.CacheLimit}, while safe files could have been evicted");
        }

        // Imported records describe another node's files on its hosts: they are checked as whole batches below.
        var imported = pool.ImportBatches.SelectMany(b => b).Select(ContentHash.Parse).ToHashSet();
        var own = files.Values.Where(f => !imported.Contains(f.Hash)).ToList();
        var safeOnHosts = await CheckCopiesAsync(pool, catalog, own, violations, cancellationToken);
        foreach (var file in own)
        {
            if (!entries.ContainsKey(file.Hash) && safeOnHosts[file.Hash] < pool.MinCopies && file.SyncId is null)
            {
                violations.Add($"{file.Hash} ({file.Name}) is neither cached nor on {pool.MinCopies} hosts: {safeOnHosts[file.Hash]} good cop(ies) (lost)");
            }
        }

        CheckReports(pool, entries, files, safeOnHosts, violations);
        var meter = await catalog.GetTransfersAsync(nodeId, null, cancellationToken);
        if (pool.PreviousMeter is { } before && (meter.Incoming < before.Incoming || meter.Outgoing < before.Outgoing))
        {
            violations.Add($"the transfer meter went backwards: in {before.Incoming} -> {meter.Incoming}, out {before.Outgoing} -> {meter.Outgoing}");
        }

        return new InvariantReport(violations, meter, reconciliation, entries.Count, files.Count, AbandonedHostUploads(pool));
    }

    /// <summary>
    /// Half-written copies in the host folders' <c>.incoming/</c> whose writer is gone (nobody holds
    /// the file's lock): what a killed upload to a directory host leaves until that host's next upload.
    /// </summary>
    public static IReadOnlyList<string> AbandonedHostUploads(PoolUnderCheck pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var abandoned = new List<string>();
        foreach (var folder in pool.HostFolders.Values.Select(h => Path.Combine(h, ".incoming")).Where(Directory.Exists))
        {
            foreach (var path in Directory.EnumerateFiles(folder))
            {
                try
                {
                    // FileShare.None takes the same exclusive lock a writer holds: getting it means the writer is gone.
                    using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
                    {
                        abandoned.Add(path);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        return abandoned;
    }

    /// <summary>Opens and closes the pool as any command does, which reconciles the cache folder with the catalog.</summary>
    private static async Task<CacheReconciliation> ReopenAsync(PoolUnderCheck pool, CancellationToken cancellationToken)
    {
        var options = new CloudPoolOptions
        {
            Catalog = OpenCatalog(pool.Catalog),
            StoragePath = pool.CachePath,
            CapacityBytes = pool.CapacityBytes,
            MaxFill = pool.MaxFill,
            MinCopies = pool.MinCopies,
            Redundancy = Math.Max(pool.MinCopies, pool.HostFolders.Count),
        };
        foreach (var (name, folder) in pool.HostFolders)
        {
            options.Hosts.Add(new DirectoryHost(name, folder));
        }

        await using var opened = await CloudPool.OpenAsync(options, cancellationToken);
        return await opened.GetReconciliationAsync(cancellationToken);
    }

    private static async Task<Dictionary<ContentHash, FileRecord>> ListAllFilesAsync(ICatalog catalog, CancellationToken cancellationToken)
    {
        const int PageSize = 1000;
        var files = new Dictionary<ContentHash, FileRecord>();
        ContentHash? after = null;
        while (true)
        {
            var page = await catalog.ListFilesAsync("", after, PageSize, cancellationToken);
            foreach (var listing in page)
            {
                files[listing.File.Hash] = listing.File;
            }

            if (page.Count < PageSize)
            {
                return files;
            }

            after = page[^1].File.Hash;
        }
    }

    /// <summary>Every cached file is there with its size and hash; nothing else is under objects/ or tmp/.</summary>
    private static async Task CheckCacheFolderAsync(
        PoolUnderCheck pool, Dictionary<ContentHash, CacheEntry> entries, Dictionary<ContentHash, FileRecord> files, List<string> violations, CancellationToken cancellationToken)
    {
        foreach (var entry in entries.Values)
        {
            if (!files.TryGetValue(entry.Hash, out var file))
            {
                violations.Add($"{entry.Hash}: cached but unknown to the catalog");
            }
            else if (file.Size != entry.Size)
            {
                violations.Add($"{entry.Hash}: cached as {entry.Size} bytes, the catalog says {file.Size}");
            }

            var path = ObjectPath(pool.CachePath, entry.Hash);
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                violations.Add($"{entry.Hash}: the catalog says it is cached but {path} does not exist");
            }
            else if (info.Length != entry.Size)
            {
                violations.Add($"{entry.Hash}: cached file is {info.Length} bytes, the catalog says {entry.Size}");
            }
            else if (await HashOfAsync(info, cancellationToken) != entry.Hash)
            {
                violations.Add($"{entry.Hash}: the cached file's bytes do not match its hash");
            }
        }

        var objects = Path.Combine(pool.CachePath, "objects");
        foreach (var path in Directory.Exists(objects) ? Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories) : [])
        {
            if (!ContentHash.TryParse(Path.GetFileName(path), out var hash) || !entries.ContainsKey(hash) || ObjectPath(pool.CachePath, hash) != path)
            {
                violations.Add($"orphan file in the cache after reopening: {path}");
            }
        }

        var temp = Path.Combine(pool.CachePath, "tmp");
        foreach (var path in Directory.Exists(temp) ? Directory.EnumerateFiles(temp, "*", SearchOption.AllDirectories) : [])
        {
            violations.Add($"temp file left in the cache after reopening: {path}");
        }
    }

    /// <summary>
    /// Stored copies match the copy rows and are on the host folders with the right bytes; no
    /// half-written upload is left in a host folder. Returns each file's good copies on disk.
    /// </summary>
    private static async Task<Dictionary<ContentHash, int>> CheckCopiesAsync(
        PoolUnderCheck pool, ICatalog catalog, IReadOnlyList<FileRecord> files, List<string> violations, CancellationToken cancellationToken)
    {
        var good = new Dictionary<ContentHash, int>();
        foreach (var file in files)
        {
            var copies = await catalog.GetCopiesAsync(file.Hash, cancellationToken);
            var stored = copies.Where(c => c.State == CopyState.Stored).ToList();
            if (stored.Count != file.StoredCopies)
            {
                violations.Add($"{file.Hash}: stored_copies is {file.StoredCopies} but {stored.Count} copy rows are stored");
            }

            var present = 0;
            foreach (var copy in stored.Where(c => pool.HostFolders.ContainsKey(c.HostName)))
            {
                var info = new FileInfo(ObjectPath(pool.HostFolders[copy.HostName], file.Hash, objects: false));
                if (!info.Exists || info.Length != file.Size)
                {
                    violations.Add($"{file.Hash}: host {copy.HostName} is recorded as holding it but {info.FullName} is {(info.Exists ? $"{info.Length} bytes" : "missing")}");
                }
                else if (await HashOfAsync(info, cancellationToken) != file.Hash)
                {
                    violations.Add($"{file.Hash}: host {copy.HostName} holds bytes that do not match the hash");
                }
                else
                {
                    present++;
                }
            }

            // Copies on hosts this pool does not have (recorded by an import) cannot be looked at: trust the record.
            good[file.Hash] = present + stored.Count(c => !pool.HostFolders.ContainsKey(c.HostName));
        }

        return good;
    }

    private static void CheckReports(
        PoolUnderCheck pool, Dictionary<ContentHash, CacheEntry> entries, Dictionary<ContentHash, FileRecord> files, Dictionary<ContentHash, int> safeOnHosts, List<string> violations)
    {
        foreach (var hash in pool.ReportedUploads.Distinct().Select(ContentHash.Parse))
        {
            if (!files.ContainsKey(hash))
            {
                violations.Add($"{hash}: reported as uploaded but unknown to the catalog");
            }
            else if (!entries.ContainsKey(hash) && safeOnHosts.GetValueOrDefault(hash) < pool.MinCopies)
            {
                violations.Add($"{hash}: reported as uploaded but neither cached nor on {pool.MinCopies} hosts");
            }
        }

        foreach (var hash in pool.ReportedSafe.Distinct().Select(ContentHash.Parse))
        {
            if (!safeOnHosts.TryGetValue(hash, out var copies) || copies < pool.MinCopies)
            {
                violations.Add($"{hash}: reported as safe but only {copies} host(s) hold it");
            }
        }

        foreach (var batch in pool.ImportBatches)
        {
            var known = batch.Count(h => files.ContainsKey(ContentHash.Parse(h)));
            if (known != 0 && known != batch.Count)
            {
                violations.Add($"an interrupted import is half visible: {known} of its {batch.Count} records are in the catalog");
            }
        }
    }

    private static string ObjectPath(string root, ContentHash hash, bool objects = true)
    {
        var hex = hash.ToString();
        return objects ? Path.Combine(root, "objects", hex[..2], hex) : Path.Combine(root, hex[..2], hex);
    }

    private static async Task<ContentHash> HashOfAsync(FileInfo info, CancellationToken cancellationToken)
    {
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        if (KnownHashes.TryGetValue(key, out var known))
        {
            return known;
        }

        await using var stream = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20, FileOptions.SequentialScan);
        var hash = await ContentHash.ComputeAsync(stream, cancellationToken);
        KnownHashes[key] = hash;
        return hash;
    }
}
