namespace CloudManager.IO;

/// <summary>
/// A read-only view of a cached file that tells the pool when the reader is done, so that the file
/// is not evicted while it is being read.
/// </summary>
internal sealed class InUseFileStream : Stream
{
    private readonly FileStream _inner;
    private Action? _release;

    internal InUseFileStream(FileStream inner, Action release)
    {
        _inner = inner;
        _release = release;
    }

    public override bool CanRead => true;

    public override bool CanSeek => _inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set => _inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _inner.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("A cached file is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A cached file is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            Interlocked.Exchange(ref _release, null)?.Invoke();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        Interlocked.Exchange(ref _release, null)?.Invoke();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
