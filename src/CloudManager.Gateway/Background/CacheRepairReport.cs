using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudManager.Gateway.Background;

/// <summary>
/// Logs, as the gateway starts, what opening the pool found in the cache folder that a person must
/// know: a new or empty catalog beside a full cache, files registered again as pending, files moved
/// to quarantine (<see cref="Cache.CacheReconciliation.Notices"/>).
/// </summary>
internal sealed class CacheRepairReport(CloudPool pool, ILogger<CacheRepairReport> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var reconciliation = await pool.GetReconciliationAsync(cancellationToken);
        foreach (var notice in reconciliation.Notices())
        {
            logger.LogWarning("{Notice}", notice);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
