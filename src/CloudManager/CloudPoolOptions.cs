using CloudManager.Catalog;
using CloudManager.Eviction;
using CloudManager.Hosts;
using Microsoft.Extensions.Logging;

namespace CloudManager;

/// <summary>Everything a <see cref="CloudPool"/> is made of.</summary>
/// <remarks>
/// <code>
/// var options = new CloudPoolOptions
/// {
///     Database = "/var/lib/pool/catalog.db",
///     StoragePath = "/var/lib/pool/cache",
///     CapacityBytes = 20L &lt;&lt; 30,
///     Hosts = { new DirectoryHost("disk-b", "/mnt/b/pool"), new DirectoryHost("disk-c", "/mnt/c/pool") },
/// };
/// </code>
/// </remarks>
public sealed class CloudPoolOptions
{
    /// <summary>The catalog: a SQLite file path or <c>Data Source=…</c> connection string.</summary>
    /// <value>Required unless <see cref="Catalog"/> is set.</value>
    public string? Database { get; set; }

    /// <summary>A catalog instance to use instead of <see cref="Database"/> (another backend, or one shared by tests).</summary>
    /// <value>Default null. The pool disposes it.</value>
    public ICatalog? Catalog { get; set; }

    /// <summary>The cache folder; created when missing.</summary>
    /// <value>Required.</value>
    public string StoragePath { get; set; } = "";

    /// <summary>The cache's capacity in bytes.</summary>
    /// <value>Required; at least 1.</value>
    public long CapacityBytes { get; set; }

    /// <summary>The share of the capacity the cache may fill (the seed's 90 %).</summary>
    /// <value>Default 0.9; greater than 0, at most 1.</value>
    public double MaxFill { get; set; } = 0.9;

    /// <summary>The storage hosts that receive copies. The pool disposes them.</summary>
    /// <value>Default empty: files are registered and cached but stay pending, never evictable.</value>
    public IList<IStorageHost> Hosts { get; } = [];

    /// <summary>How many hosts each file is copied to.</summary>
    /// <value>Default 3; 1 to 16, and at least <see cref="MinCopies"/>.</value>
    public int Redundancy { get; set; } = 3;

    /// <summary>How many hosts must hold a file before it is safe: evictable and exportable.</summary>
    /// <value>Default 2; 1 to <see cref="Redundancy"/>.</value>
    public int MinCopies { get; set; } = 2;

    /// <summary>Which cached files leave first.</summary>
    /// <value>Default <see cref="EvictionPolicies.Default"/>.</value>
    public IEvictionPolicy EvictionPolicy { get; set; } = EvictionPolicies.Default;

    /// <summary>This node's id.</summary>
    /// <value>Default null: a random id created with the cache folder and kept in it.</value>
    public string? NodeId { get; set; }

    /// <summary>The clock.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>How long an export may wait for confirmation before a dump offers it again (the seed's hour).</summary>
    /// <value>Default 1 hour.</value>
    public TimeSpan ExportConfirmationTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long to wait for another process that holds the cache folder's lock.</summary>
    /// <value>Default 2 minutes.</value>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a host that keeps failing is tried only after the healthy ones; after that it ranks
    /// as healthy again and gets another chance.
    /// </summary>
    /// <value>Default 10 minutes; zero or more.</value>
    public TimeSpan HostCoolDown { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many files a sync replicates at once.</summary>
    /// <value>Default 2; 1 to 64.</value>
    public int ParallelFiles { get; set; } = 2;

    /// <summary>
    /// The longest sync document <c>CloudPool.DataLoadAsync</c> reads: characters of a string, or
    /// bytes of UTF-8. A longer one is refused before it is parsed, so that memory stays bounded
    /// whatever a peer sends.
    /// </summary>
    /// <value>Default 64 Mi (characters or bytes; the gateway accepts 16 MiB by default); at least 2.</value>
    public int MaxSyncDataLength { get; set; } = DefaultMaxSyncDataLength;

    /// <summary>The default of <see cref="MaxSyncDataLength"/>: 64 Mi characters or bytes.</summary>
    public const int DefaultMaxSyncDataLength = 64 << 20;

    /// <summary>
    /// The most bytes of small, often read cached files the pool keeps in memory, so that a server
    /// (<c>cm serve</c>) sends them without reading the file each time. A copy is kept once a file is
    /// read again within a second of the last read; it is checked against the cached file (one
    /// <c>stat</c>) every time it is used. Linux only; elsewhere nothing is kept.
    /// </summary>
    /// <value>Default 64 MiB; zero turns it off.</value>
    public long MemoryCacheBytes { get; set; } = DefaultMemoryCacheBytes;

    /// <summary>The default of <see cref="MemoryCacheBytes"/>: 64 MiB.</summary>
    public const long DefaultMemoryCacheBytes = 64L << 20;

    /// <summary>The largest cached file kept in memory (see <see cref="MemoryCacheBytes"/>).</summary>
    /// <value>Default 256 KiB; zero to <see cref="Array.MaxLength"/>.</value>
    public int MemoryCacheMaxFileSize { get; set; } = DefaultMemoryCacheMaxFileSize;

    /// <summary>The default of <see cref="MemoryCacheMaxFileSize"/>: 256 KiB.</summary>
    public const int DefaultMemoryCacheMaxFileSize = 256 << 10;

    /// <summary>Where the pool reports what it does.</summary>
    /// <value>Default null (silent).</value>
    public ILogger? Logger { get; set; }

    /// <summary>Checks every option's range and that they agree with each other; the pool calls it when it is created.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range; <see cref="ArgumentException.ParamName"/> is the option's name.</exception>
    public void Validate()
    {
        if (Catalog is null && string.IsNullOrWhiteSpace(Database))
        {
            throw new ArgumentException("Set CloudPoolOptions.Database (a SQLite path) or CloudPoolOptions.Catalog.", nameof(Database));
        }

        if (string.IsNullOrWhiteSpace(StoragePath))
        {
            throw new ArgumentException("Set CloudPoolOptions.StoragePath: the cache folder.", nameof(StoragePath));
        }

        if (CapacityBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CapacityBytes), CapacityBytes, "The cache capacity must be at least 1 byte.");
        }

        if (!(MaxFill > 0 && MaxFill <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFill), MaxFill, "MaxFill must be greater than 0 and at most 1.");
        }

        if (Redundancy is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(Redundancy), Redundancy, "Redundancy must be from 1 to 16.");
        }

        if (MinCopies < 1 || MinCopies > Redundancy)
        {
            throw new ArgumentOutOfRangeException(nameof(MinCopies), MinCopies, $"MinCopies must be from 1 to Redundancy ({Redundancy}).");
        }

        if (ParallelFiles is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(ParallelFiles), ParallelFiles, "ParallelFiles must be from 1 to 64.");
        }

        if (MaxSyncDataLength < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSyncDataLength), MaxSyncDataLength, "MaxSyncDataLength must be at least 2 (an empty array).");
        }

        if (MemoryCacheBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryCacheBytes), MemoryCacheBytes, "MemoryCacheBytes must be zero or more.");
        }

        if (MemoryCacheMaxFileSize < 0 || MemoryCacheMaxFileSize > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryCacheMaxFileSize), MemoryCacheMaxFileSize, $"MemoryCacheMaxFileSize must be from 0 to {Array.MaxLength}.");
        }

        if (HostCoolDown < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HostCoolDown), HostCoolDown, "HostCoolDown must be zero or more.");
        }

        ArgumentNullException.ThrowIfNull(EvictionPolicy);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        var duplicate = Hosts.GroupBy(h => h.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two hosts are named '{duplicate.Key}'; host names must be unique.", nameof(Hosts));
        }

        if (Hosts.Count > 0 && MinCopies > Hosts.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(MinCopies), MinCopies,
                $"MinCopies is {MinCopies} but only {Counted.Of(Hosts.Count, "host")} {(Hosts.Count == 1 ? "is" : "are")} configured: no file could ever be safe. Configure more hosts or lower MinCopies.");
        }

        if (NodeId is not null && (NodeId.Length is 0 or > 128 || NodeId.Any(char.IsControl)))
        {
            throw new ArgumentException("A node id must be 1 to 128 printable characters.", nameof(NodeId));
        }
    }
}
