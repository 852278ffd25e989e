using System.Reflection;
using CloudManager.Catalog;
using CloudManager.Gateway.Background;
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
                + "hosts with their health (ok, failing, unreachable, unknown before the first probe), and whether uploads need a token.")
            .Produces<StatusReport>();

    private static async Task<Ok<StatusReport>> HandleAsync(
        CloudPool pool, GatewayOptions options, TransferMeter meter, ReplicationService replication, HostMonitor monitor, CancellationToken cancellationToken)
    {
        var now = pool.Options.TimeProvider.GetUtcNow();
        var month = SqlCatalog.MonthOf(now);
        var used = await pool.UsedSpaceAsync(cancellationToken);
        var files = await pool.Catalog.CountFilesAsync(cancellationToken);
        var cloudQueue = await pool.UploadQueueInfoAsync(cancellationToken);
        var exportQueue = await pool.ExportQueueInfoAsync(cancellationToken);
        var pendingMonth = meter.PendingOutgoing(month);
        var pendingTotal = meter.PendingOutgoing(null);
        var total = new TransferAmount(await pool.TotalIncomingAsync(cancellationToken), await pool.TotalOutgoingAsync(cancellationToken) + pendingTotal);
        var current = new MonthlyTransfer(month, await pool.CurrentIncomingAsync(cancellationToken), await pool.CurrentOutgoingAsync(cancellationToken) + pendingMonth);
        var copies = await pool.Catalog.CountStoredCopiesByHostAsync(cancellationToken);
        var health = (await pool.HostHealthAsync(cancellationToken)).ToDictionary(h => h.HostName, StringComparer.Ordinal);
        var hosts = pool.Hosts.Select(host =>
        {
            var history = health.GetValueOrDefault(host.Name) ?? HostHealth.New(host.Name);
            var probe = monitor.Get(host.Name);
            var word = probe is { Reachable: false } ? "unreachable"
                : history.ConsecutiveFailures > 0 ? "failing"
                : probe is null ? "unknown"
                : "ok";
            return new HostStatus(
                host.Name, host.Kind, word, probe?.Reachable, probe?.Error, probe?.At.UtcDateTime, copies.GetValueOrDefault(host.Name),
                history.Successes, history.Failures, history.ConsecutiveFailures, history.LastError,
                history.LastSuccessAt?.UtcDateTime, history.LastFailureAt?.UtcDateTime);
        }).ToList();
        var sync = replication.Current;

        return TypedResults.Ok(new StatusReport(
            await pool.GetNodeIdAsync(cancellationToken),
            Version,
            now.UtcDateTime,
            new StorageStatus(pool.Capacity, pool.CacheLimit, used, Math.Round((double)used / pool.Capacity, 6), UploadEndpoint.MaxFileSize(pool, options)),
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
            new AuthStatus(options.Token is not null)));
    }
}
