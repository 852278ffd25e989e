using System.Security.Cryptography;

namespace CloudManager.IO;

/// <summary>
/// A read-only stream of exactly <see cref="ContentRef.Length"/> bytes that hashes what it hands out
/// and checks it before handing out the last of it: the read that would complete the content throws
/// <see cref="ContentMismatchException"/> instead when the bytes do not hash to
/// <see cref="ContentRef.Hash"/>, when the source ends early or when it holds more. So a consumer
/// that commits only once it has every byte (every host does) never commits damaged bytes.
/// </summary>
/// <remarks>
/// The check sits on the last byte, not on a read past the end: an HTTP client that knows the
/// length stops reading after it and never asks for more.
/// </remarks>
internal sealed class VerifyingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly ContentRef _content;
    private readonly string _description;
    private readonly Action<ContentMismatchException>? _onMismatch;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _position;
    private bool _verified;

    /// <summary>Wraps <paramref name="inner"/> (disposed with this stream).</summary>
    /// <param name="inner">The source, read from its current position.</param>
    /// <param name="content">What the source must hold.</param>
    /// <param name="description">The source in words, for the error: "the cached copy of …".</param>
    /// <param name="onMismatch">Told about a mismatch before it is thrown.</param>
    internal VerifyingReadStream(Stream inner, ContentRef content, string description, Action<ContentMismatchException>? onMismatch)
    {
        _inner = inner;
        _content = content;
        _description = description;
        _onMismatch = onMismatch;
    }

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <summary>The content's length.</summary>
    public override long Length => _content.Length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var remaining = _content.Length - _position;
        if (remaining == 0)
        {
            await VerifyAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        if (buffer.Length == 0)
        {
            return 0;
        }

        var wanted = (int)Math.Min(buffer.Length, remaining);
        var read = await _inner.ReadAsync(buffer[..wanted], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw Mismatch(_position, null);
        }

        _sha.AppendData(buffer.Span[..read]);
        _position += read;
        if (_position == _content.Length)
        {
            // Withhold the last bytes until they are known good.
            await VerifyAsync(cancellationToken).ConfigureAwait(false);
        }

        return read;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        var remaining = _content.Length - _position;
        if (remaining == 0)
        {
            Verify(_inner.Read(stackalloc byte[1]));
            return 0;
        }

        if (buffer.Length == 0)
        {
            return 0;
        }

        var read = _inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
        if (read == 0)
        {
            throw Mismatch(_position, null);
        }

        _sha.AppendData(buffer[..read]);
        _position += read;
        if (_position == _content.Length)
        {
            Verify(_inner.Read(stackalloc byte[1]));
        }

        return read;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _sha.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask VerifyAsync(CancellationToken cancellationToken)
    {
        if (!_verified)
        {
            var extra = new byte[1];
            Verify(await _inner.ReadAsync(extra, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Checks the whole content once it has been read, and that nothing follows it.</summary>
    private void Verify(int bytesAfterTheEnd)
    {
        if (_verified)
        {
            return;
        }

        if (bytesAfterTheEnd > 0)
        {
            throw Mismatch(_content.Length + 1, null);
        }

        Span<byte> digest = stackalloc byte[ContentHash.ByteLength];
        _sha.GetHashAndReset(digest);
        var hash = ContentHash.FromBytes(digest);
        if (hash != _content.Hash)
        {
            throw Mismatch(_content.Length, hash);
        }

        _verified = true;
    }

    private ContentMismatchException Mismatch(long length, ContentHash? hash)
    {
        var error = new ContentMismatchException(_content, _description, length, hash);
        _onMismatch?.Invoke(error);
        return error;
    }
}
