using System.Reflection;
using CloudManager.Gateway.Background;
using CloudManager.Gateway.Security;
using CloudManager.Gateway.Transfers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CloudManager.Gateway.Api;

/// <summary><c>GET /api/status</c>: the seed's storage, bandwidth and queues, plus the hosts and the background sync.</summary>
internal static class StatusEndpoint
{
    private static readonly string Version =
        (typeof(StatusEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/status", HandleAsync)
            .WithName("Status")
            .WithSummary("The node at a glance")
            .WithDescription(
                "storage {capacity, limit, used, usage_ratio, max_file_size}, files {count, size}, "
                + "bandwidth {total, current, limits}, sync {cloud_queue, export_queue, running, last_run, ...}, "
                + "hosts with their health (ok, failing, unreachable, unknown before the first probe), whether uploads need a token, "
                + "lost {count, size}: files with no good copy on a configured host and in no node's cache, and unconfirmed {count, size}: "
                + "files known only from other nodes' records whose copies no host here has shown yet.")
            .Produces<StatusReport>();

    private static async Task<Ok<StatusReport>> HandleAsync(
        CloudPool pool, GatewayOptions options, GatewayAccess access, TransferMeter meter, ReplicationService replication, HostMonitor monitor, CancellationToken cancellationToken)
    {
        var status = await pool.GetStatusAsync(cancellationToken);
        var (now, month, used) = (status.At, status.Transfers.Month, status.Cache.UsedBytes);
        var (files, cloudQueue, exportQueue) = (status.Files, status.UploadQueue, status.ExportQueue);
        var pendingMonth = meter.PendingOutgoing(month);
        var pendingTotal = meter.PendingOutgoing(null);
        var total = new TransferAmount(status.Transfers.Total.Incoming, status.Transfers.Total.Outgoing + pendingTotal);
        var current = new MonthlyTransfer(month, status.Transfers.ThisMonth.Incoming, status.Transfers.ThisMonth.Outgoing + pendingMonth);
        var hosts = status.Hosts.Select(host =>
        {
            var history = host.History;
            var probe = monitor.Get(host.Name);
            return new HostStatus(
                host.Name, host.Kind, host.Condition(probe?.Reachable), probe?.Reachable, probe?.Error, probe?.At.UtcDateTime, host.Copies,
                history.Successes, history.Failures, history.ConsecutiveFailures, history.LastError,
                history.LastSuccessAt?.UtcDateTime, history.LastFailureAt?.UtcDateTime);
        }).ToList();
        var sync = replication.Current;

        return TypedResults.Ok(new StatusReport(
            status.NodeId,
            Version,
            now.UtcDateTime,
            new StorageStatus(pool.Capacity, pool.CacheLimit, used, status.Cache.UsageRatio, UploadEndpoint.MaxFileSize(pool, options)),
            new CountAndSize(files.Count, files.Size),
            new BandwidthStatus(total, current, new BandwidthLimits(options.MonthlyIncomingLimitBytes, options.MonthlyOutgoingLimitBytes)),
            new SyncState(
                new CountAndSize(cloudQueue.Count, cloudQueue.Size),
                new CountAndSize(exportQueue.Count, exportQueue.Size),
                sync.Running,
                sync.LastStartedAt?.UtcDateTime,
                sync.LastFinishedAt?.UtcDateTime,
                sync.LastRun,
                sync.LastError,
                sync.NextRunAt?.UtcDateTime),
            hosts,
            new AuthStatus(access.Token is not null),
            new CountAndSize(status.Lost.Count, status.Lost.Size),
            new CountAndSize(status.Unconfirmed.Count, status.Unconfirmed.Size)));
    }
}
