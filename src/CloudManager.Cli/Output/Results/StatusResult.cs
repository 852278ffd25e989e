using System.Text.Json.Serialization;
using CloudManager.Catalog;

namespace CloudManager.Cli.Output.Results;

/// <summary>What <c>cm status</c> returns: <see cref="PoolStatus"/> with the catalog and config as this node names them, and its hosts probed.</summary>
internal sealed record StatusResult(
    string NodeId,
    string Catalog,
    string? Config,
    QueueInfo Files,
    CacheStatus Cache,
    QueueInfo UploadQueue,
    QueueInfo ExportQueue,
    StatusTransfers Transfers,
    IReadOnlyList<HostResult> Hosts,
    QueueInfo Lost,
    QueueInfo Unconfirmed)
{
    public static StatusResult From(PoolStatus status, string catalog, string? config, IReadOnlyList<HostResult> hosts) => new(
        status.NodeId,
        catalog,
        config,
        status.Files,
        status.Cache,
        status.UploadQueue,
        status.ExportQueue,
        new StatusTransfers(
            new TransferBytes(null, status.Transfers.Total.Incoming, status.Transfers.Total.Outgoing),
            new TransferBytes(status.Transfers.Month, status.Transfers.ThisMonth.Incoming, status.Transfers.ThisMonth.Outgoing)),
        hosts,
        status.Lost,
        status.Unconfirmed);
}

/// <summary>The transfer meter in total and this month.</summary>
internal sealed record StatusTransfers(TransferBytes Total, TransferBytes ThisMonth);

/// <summary>Bytes received and sent; <c>month</c> (<c>YYYY-MM</c>) only for one month.</summary>
internal sealed record TransferBytes(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Month,
    long IncomingBytes,
    long OutgoingBytes);
