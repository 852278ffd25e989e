using System.Threading.Channels;
using CloudManager.Gateway.Api;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudManager.Gateway.Background;

/// <summary>
/// Copies new files to the hosts in the background: <see cref="GatewayOptions.SyncDelay"/> after an
/// upload (so that a burst is replicated in one run) and every <see cref="GatewayOptions.SyncInterval"/>
/// (retrying files whose hosts failed). One run at a time; stopping cancels a run, which keeps
/// every attempt already made and leaves no partial copy visible on any host.
/// </summary>
internal sealed class ReplicationService(CloudPool pool, GatewayOptions options, ILogger<ReplicationService> logger) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _runLock = new(1, 1);
    private readonly Lock _stateLock = new();
    private State _state = new(false, null, null, null, null, null);

    private TimeProvider Time => pool.Options.TimeProvider;

    /// <summary>A snapshot of the replication for the status.</summary>
    public State Current
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    /// <summary>Asks for a run soon (after the sync delay); several requests before it starts make one run.</summary>
    public void RequestSoon() => _wake.Writer.TryWrite(true);

    /// <summary>Runs a replication now, after any run in progress; failures are thrown to the caller and recorded.</summary>
    public async Task<SyncRunResult> RunNowAsync(CancellationToken cancellationToken)
    {
        await _runLock.WaitAsync(cancellationToken);
        var started = Time.GetUtcNow();
        Update(s => s with { Running = true, LastStartedAt = started });
        try
        {
            var report = await pool.SyncAsync(cancellationToken);
            var finished = Time.GetUtcNow();
            var summary = SyncRunSummary.From(report);
            Update(s => s with { Running = false, LastFinishedAt = finished, LastRun = summary, LastError = null });
            return new SyncRunResult(started.UtcDateTime, finished.UtcDateTime, summary);
        }
        catch (Exception e)
        {
            var interrupted = e is OperationCanceledException;
            Update(s => s with { Running = false, LastFinishedAt = Time.GetUtcNow(), LastError = interrupted ? "interrupted" : e.Message });
            throw;
        }
        finally
        {
            _runLock.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A gateway that starts with pending files (uploaded while it was down) replicates them at once.
        RequestSoon();
        while (!stoppingToken.IsCancellationRequested)
        {
            Update(s => s with { NextRunAt = Time.GetUtcNow() + options.SyncInterval });
            using (var timeout = new CancellationTokenSource(options.SyncInterval, Time))
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token))
            {
                try
                {
                    await _wake.Reader.ReadAsync(wait.Token);
                    Update(s => s with { NextRunAt = Time.GetUtcNow() + options.SyncDelay });
                    await Task.Delay(options.SyncDelay, Time, stoppingToken);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The interval passed without an upload: a periodic run.
                }
            }

            // Uploads that arrived during the delay are covered by this run.
            _wake.Reader.TryRead(out _);
            try
            {
                await RunNowAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("The background sync failed: {Message}; it runs again in {Interval}.", e.Message, options.SyncInterval);
            }
        }
    }

    private void Update(Func<State, State> change)
    {
        lock (_stateLock)
        {
            _state = change(_state);
        }
    }

    /// <summary>The replication as the status shows it.</summary>
    internal sealed record State(
        bool Running, DateTimeOffset? LastStartedAt, DateTimeOffset? LastFinishedAt, SyncRunSummary? LastRun, string? LastError, DateTimeOffset? NextRunAt);
}
