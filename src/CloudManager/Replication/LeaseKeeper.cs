using CloudManager.Catalog;
using Microsoft.Extensions.Logging;

namespace CloudManager.Replication;

/// <summary>
/// This node's leases on copying one file, held in the catalog for as long as the copies run: taken
/// one host at a time, renewed while any is held, given back when the work ends. A node that dies stops
/// renewing, and its leases expire by themselves after <see cref="Duration"/>.
/// </summary>
internal sealed class LeaseKeeper : IAsyncDisposable
{
    /// <summary>How long a lease lasts unless renewed.</summary>
    internal static readonly TimeSpan Duration = TimeSpan.FromMinutes(2);

    private readonly PoolContext _pool;
    private readonly ContentHash _hash;
    private readonly List<string> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _renewal;

    internal LeaseKeeper(PoolContext pool, ContentHash hash)
    {
        _pool = pool;
        _hash = hash;
    }

    /// <summary>Takes the lease on copying the file to a host (see <see cref="ICopyClaims.TryLeaseCopyAsync"/>).</summary>
    internal async Task<bool> TryTakeAsync(string hostId, int redundancy, CancellationToken cancellationToken)
    {
        var now = _pool.SharedTime.GetUtcNow();
        if (!await _pool.Claims.TryLeaseCopyAsync(_hash, hostId, _pool.NodeId, redundancy, now, now + Duration, cancellationToken).ConfigureAwait(false))
        {
            _pool.Logger.LogDebug("{Hash}: another node is copying it to {Host}, or enough copies are on their way.", _hash, hostId);
            return false;
        }

        lock (_held)
        {
            _held.Add(hostId);
        }

        _renewal ??= RenewAsync(_stop.Token);
        return true;
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Duration / 3, _pool.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await _pool.Claims.RenewLeasesAsync(_hash, _pool.NodeId, _pool.SharedTime.GetUtcNow() + Duration, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (CatalogException e)
        {
            // The next attempt's record ends the lease anyway; an expired one lets another node copy too, which costs bytes, never data.
            _pool.Logger.LogWarning("Could not renew the leases on copying {Hash}: {Error}", _hash, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_renewal is not null)
        {
            await _renewal.ConfigureAwait(false);
        }

        string[] held;
        lock (_held)
        {
            held = [.. _held];
        }

        foreach (var hostId in held)
        {
            try
            {
                await _pool.Claims.ReleaseLeaseAsync(_hash, hostId, _pool.NodeId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (CatalogException e)
            {
                _pool.Logger.LogWarning("Could not give back the lease on copying {Hash} to {Host}; it expires by itself: {Error}", _hash, hostId, e.Message);
            }
        }

        _stop.Dispose();
    }
}
