using System.Collections.Concurrent;
using CloudManager.Hosts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudManager.Gateway.Background;

/// <summary>
/// Asks every host whether it answers, at start and every <see cref="GatewayOptions.HostProbeInterval"/>,
/// so that the status can say which hosts are reachable without making each request wait for them.
/// </summary>
internal sealed class HostMonitor(CloudPool pool, GatewayOptions options, ILogger<HostMonitor> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ProbeResult> _results = new(StringComparer.Ordinal);

    /// <summary>The last probe of a host, or null before the first.</summary>
    public ProbeResult? Get(string hostName) => _results.GetValueOrDefault(hostName);

    /// <summary>Probes every host now.</summary>
    public Task ProbeAllAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(pool.Hosts.Select(async host => _results[host.Name] = await ProbeAsync(host, cancellationToken)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var time = pool.Options.TimeProvider;
        while (!stoppingToken.IsCancellationRequested)
        {
            await ProbeAllAsync(stoppingToken);
            await Task.Delay(options.HostProbeInterval, time, stoppingToken);
        }
    }

    /// <summary>
    /// A presence check of content no host holds: a host that answers says "no"; one that cannot be
    /// reached throws <see cref="HostUnavailableException"/> instead.
    /// </summary>
    private async Task<ProbeResult> ProbeAsync(IStorageHost host, CancellationToken cancellationToken)
    {
        var error = await HostProbe.ProbeAsync(host, cancellationToken);
        if (error is not null && _results.GetValueOrDefault(host.Name)?.Error is null)
        {
            logger.LogWarning("Host {Host} does not answer: {Error}", host.Name, error);
        }

        return new ProbeResult(error is null, error, pool.Options.TimeProvider.GetUtcNow());
    }

    /// <summary>The outcome of one probe.</summary>
    internal sealed record ProbeResult(bool Reachable, string? Error, DateTimeOffset At);
}
