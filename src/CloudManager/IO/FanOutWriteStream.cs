namespace CloudManager.IO;

/// <summary>
/// A write-only stream that writes every block to several streams side by side: one read of a
/// fetched file feeds both its cached copy and the user's destination.
/// </summary>
internal sealed class FanOutWriteStream(IReadOnlyList<Stream> outputs) : Stream
{
    private long _length;

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <summary>The bytes written so far (to each output).</summary>
    public override long Length => _length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>Runs <paramref name="action"/> on every output at once and waits for all of them.</summary>
    internal Task ForEachAsync(Func<Stream, Task> action) => Task.WhenAll(outputs.Select(action));

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await ForEachAsync(output => output.WriteAsync(buffer, cancellationToken).AsTask()).ConfigureAwait(false);
        _length += buffer.Length;
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        foreach (var output in outputs)
        {
            output.Write(buffer, offset, count);
        }

        _length += count;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        foreach (var output in outputs)
        {
            output.Flush();
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
}
