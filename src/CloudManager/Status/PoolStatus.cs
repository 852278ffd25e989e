using CloudManager.Catalog;

namespace CloudManager;

/// <summary>
/// The node at a glance (<see cref="CloudPool.GetStatusAsync"/>): what <c>cm status</c> prints and
/// the gateway's status route serialises.
/// </summary>
/// <param name="NodeId">This node's id.</param>
/// <param name="Catalog">The catalog, for people (any password removed).</param>
/// <param name="At">When the figures were read.</param>
/// <param name="Cache">The cache folder and how full it is.</param>
/// <param name="Files">Every file the catalog knows: count and bytes.</param>
/// <param name="UploadQueue">Files this node caches that are not yet safe on the hosts.</param>
/// <param name="ExportQueue">Safe files that no shared log has confirmed yet.</param>
/// <param name="Transfers">This node's transfer meter.</param>
/// <param name="Hosts">Every configured host, in configuration order.</param>
/// <param name="Lost">Files that are LOST: no good copy on a configured host and in no node's cache (nothing left to try).</param>
/// <param name="Unconfirmed">Files known only from other nodes' records, whose copies no host here has shown yet.</param>
public sealed record PoolStatus(
    string NodeId,
    string Catalog,
    DateTimeOffset At,
    CacheStatus Cache,
    QueueInfo Files,
    QueueInfo UploadQueue,
    QueueInfo ExportQueue,
    TransferStatus Transfers,
    IReadOnlyList<HostStatus> Hosts,
    QueueInfo Lost = default,
    QueueInfo Unconfirmed = default);

/// <summary>The cache folder and how full it is.</summary>
/// <param name="Path">The cache folder.</param>
/// <param name="CapacityBytes">The configured capacity.</param>
/// <param name="LimitBytes">The most the cache may hold: capacity × max fill.</param>
/// <param name="UsedBytes">The bytes this node's cache holds, as the catalog tracks them (never the quarantined files).</param>
/// <param name="QuarantinePath">The folder that keeps files taken out of the cache because their bytes did not match their name.</param>
/// <param name="Quarantined">The files in the quarantine folder and their bytes, counted on disk.</param>
public sealed record CacheStatus(string Path, long CapacityBytes, long LimitBytes, long UsedBytes, string QuarantinePath, QueueInfo Quarantined)
{
    /// <summary>Used bytes divided by capacity, rounded to six decimals.</summary>
    public double UsageRatio => Math.Round((double)UsedBytes / CapacityBytes, 6);
}

/// <summary>This node's transfer meter: in total and for the current calendar month (UTC).</summary>
/// <param name="Total">Bytes received and sent since the node began.</param>
/// <param name="Month">The current month, <c>YYYY-MM</c>.</param>
/// <param name="ThisMonth">Bytes received and sent this month.</param>
public sealed record TransferStatus(TransferTotals Total, string Month, TransferTotals ThisMonth);

/// <summary>A configured host: the copies the catalog believes it holds and its transfer history.</summary>
/// <param name="Name">The host's name.</param>
/// <param name="Kind">Its kind (<c>directory</c>, <c>s3</c>, ...).</param>
/// <param name="Copies">Good copies the catalog lists on it.</param>
/// <param name="History">Its record of successes and failures (empty for a host never used).</param>
/// <param name="Identity">The identity (the id of the marker on the host) the catalog last saw under this name and place, if any.</param>
public sealed record HostStatus(string Name, string Kind, long Copies, HostHealth History, string? Identity = null)
{
    /// <summary>
    /// One word for people: <c>unreachable</c> when the last probe got no answer, <c>failing</c> when
    /// its most recent transfers failed, <c>unknown</c> before any probe, else <c>ok</c>.
    /// </summary>
    /// <param name="reachable">Whether the last probe was answered; null when it was never probed.</param>
    public string Condition(bool? reachable) =>
        reachable is false ? "unreachable"
        : History.ConsecutiveFailures > 0 ? "failing"
        : reachable is null ? "unknown"
        : "ok";
}

/// <summary>What a sync would do now (<see cref="CloudPool.GetSyncPlanAsync"/>): for progress displays and dry runs.</summary>
/// <param name="Target">Copies each file should have: the redundancy, at most the number of hosts.</param>
/// <param name="Pending">Files this node caches that have fewer copies than <paramref name="Target"/>, oldest first.</param>
public sealed record SyncPlan(int Target, IReadOnlyList<FileRecord> Pending)
{
    /// <summary>The bytes of the pending files.</summary>
    public long PendingBytes => Pending.Sum(f => f.Size);
}
