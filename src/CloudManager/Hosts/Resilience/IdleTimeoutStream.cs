using CloudManager.IO;

namespace CloudManager.Hosts.Resilience;

/// <summary>A download stream whose every read must bring data within a time limit, so that a host that stops sending is given up.</summary>
internal sealed class IdleTimeoutStream(Stream inner, TimeSpan idleTimeout, TimeProvider time, Func<Exception, Exception> onIdle) : ReadOnlyStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var idle = new CancellationTokenSource(idleTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        try
        {
            // WaitAsync: a stream that ignores the token is abandoned all the same.
            return await inner.ReadAsync(buffer, linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw onIdle(e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
