using CloudManager.Catalog;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudManager.Gateway.Transfers;

/// <summary>
/// Counts the bytes downloads send and adds them to the pool's transfer meter in batches, so that a
/// busy node does not commit one catalog transaction per download. Pending bytes are included in
/// every reading the gateway makes, flushed every second, when the gateway stops and when it is
/// disposed; a crash loses at most the last second's count.
/// </summary>
internal sealed class TransferMeter(CloudPool pool, ILogger<TransferMeter> logger) : BackgroundService, IAsyncDisposable
{
    internal static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private int _disposed;

    private TimeProvider Time => pool.Clock;

    /// <summary>Counts bytes sent to a client now.</summary>
    public void AddOutgoing(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        var now = Time.GetUtcNow();
        var month = SqlCatalog.MonthOf(now);
        lock (_lock)
        {
            _pending[month] = _pending.TryGetValue(month, out var pending) ? new Pending(pending.Bytes + bytes, now) : new Pending(bytes, now);
        }
    }

    /// <summary>Bytes counted but not yet in the catalog: for one month (<c>YYYY-MM</c>), or all when null.</summary>
    public long PendingOutgoing(string? month)
    {
        lock (_lock)
        {
            return month is null ? _pending.Values.Sum(p => p.Bytes) : _pending.GetValueOrDefault(month).Bytes;
        }
    }

    /// <summary>Writes the pending counts to the catalog; on failure they stay pending for the next try.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushLock.WaitAsync(cancellationToken);
        try
        {
            List<KeyValuePair<string, Pending>> batch;
            lock (_lock)
            {
                batch = [.. _pending];
                _pending.Clear();
            }

            if (batch.Count == 0)
            {
                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    await pool.RecordTransferAsync(0, batch[i].Value.Bytes, batch[i].Value.At, cancellationToken);
                }
                catch
                {
                    Restore(batch.Skip(i));
                    throw;
                }
            }
        }
        finally
        {
            _flushLock.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, Time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FlushAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Kept pending and tried again: a busy catalog must not stop the gateway.
                logger.LogWarning("Could not record the bytes sent by downloads yet ({Message}); trying again in {Seconds} s.", e.Message, FlushInterval.TotalSeconds);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushQuietlyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as a hosted service, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Downloads that finished while the server drained are counted here, before the pool closes.
        await FlushQuietlyAsync();
        Dispose();
        _flushLock.Dispose();
    }

    private async Task FlushQuietlyAsync()
    {
        try
        {
            await FlushAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is CloudPoolException or IOException or ObjectDisposedException)
        {
            logger.LogWarning("{Bytes} bytes sent by downloads could not be recorded: {Message}", PendingOutgoing(null), e.Message);
        }
    }

    private void Restore(IEnumerable<KeyValuePair<string, Pending>> unsaved)
    {
        lock (_lock)
        {
            foreach (var (month, pending) in unsaved)
            {
                _pending[month] = _pending.TryGetValue(month, out var current)
                    ? new Pending(current.Bytes + pending.Bytes, current.At)
                    : pending;
            }
        }
    }

    private readonly record struct Pending(long Bytes, DateTimeOffset At);
}
