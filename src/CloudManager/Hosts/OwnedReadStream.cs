using CloudManager.IO;

namespace CloudManager.Hosts;

/// <summary>
/// A read-only stream over another that also owns something to release when the caller is done (an
/// HTTP response, a downloaded temp file), and that can translate read errors into host errors.
/// </summary>
internal sealed class OwnedReadStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly Action _release;
    private readonly Func<Exception, Exception?> _translate;
    private int _released;

    /// <param name="inner">The stream to read.</param>
    /// <param name="release">Run once on dispose, after the inner stream is disposed.</param>
    /// <param name="translate">Maps a read error to the error to throw instead, or null to let it through.</param>
    internal OwnedReadStream(Stream inner, Action release, Func<Exception, Exception?>? translate = null)
    {
        _inner = inner;
        _release = release;
        _translate = translate ?? (_ => null);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return _inner.Read(buffer, offset, count);
        }
        catch (Exception e) when (_translate(e) is { } translated)
        {
            throw translated;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && _translate(e) is { } translated)
        {
            throw translated;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _released, 1) == 0)
        {
            try
            {
                _inner.Dispose();
            }
            finally
            {
                _release();
            }
        }

        base.Dispose(disposing);
    }
}
