using System.Collections.Concurrent;
using CloudManager.Catalog;
using CloudManager.Eviction;
using Microsoft.Extensions.Logging;

namespace CloudManager.Cache;

/// <summary>
/// Collects cache hits and writes them to the catalog in batches: once a second, when many are
/// waiting, before any eviction decision, and when the pool closes. A hit is access history for the
/// eviction policy, not data: a crash may forget the last second of it, and in exchange a read does
/// not pay for a durable commit.
/// </summary>
internal sealed class CacheHitRecorder : IAsyncDisposable
{
    // A busy server records thousands of hits a second: flushing every few hundred would commit (and flush the disk)
    // many times a second for one batch's worth of information. 16,384 hashes are 512 KiB.
    private const int FlushThreshold = 16_384;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<ContentHash> _pending = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly ICacheIndex _catalog;
    private readonly IEvictionPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string> _nodeId;
    private readonly ITimer _timer;

    internal CacheHitRecorder(ICacheIndex catalog, IEvictionPolicy policy, TimeProvider time, ILogger logger, Func<string> nodeId)
    {
        _catalog = catalog;
        _policy = policy;
        _time = time;
        _logger = logger;
        _nodeId = nodeId;
        _timer = time.CreateTimer(_ => _ = FlushInBackgroundAsync(), null, Interval, Interval);
    }

    internal void Add(ContentHash hash)
    {
        _pending.Enqueue(hash);
        if (_pending.Count >= FlushThreshold)
        {
            _ = FlushInBackgroundAsync();
        }
    }

    /// <summary>Writes every hit recorded so far; batches are written in the order they were taken.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = new List<ContentHash>();
            while (_pending.TryDequeue(out var hash))
            {
                batch.Add(hash);
            }

            if (batch.Count > 0)
            {
                await _catalog.RecordCacheHitsAsync(_nodeId(), batch, _policy, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task FlushInBackgroundAsync()
    {
        try
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The pool closed between the timer's tick and the flush; its own flush wrote the hits.
        }
        catch (CloudPoolException e)
        {
            _logger.LogWarning("Cache hits could not be recorded ({Error}); that much access history is lost.", e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        _flushing.Dispose();
    }
}
