using CloudManager.IO;

namespace CloudManager.Hosts.Encryption;

/// <summary>
/// Reads a plaintext stream and hands out the encrypted object (<see cref="CryptFormat"/>) it makes,
/// one segment at a time: memory is two segments, whatever the length.
/// </summary>
/// <remarks>
/// The last segment is sealed only once the plaintext has delivered its last byte and then said it
/// has ended: a verifying source (<see cref="UploadSource"/>) throws on that read when its bytes are
/// damaged, so the ciphertext of damaged content is never complete. A plaintext that is shorter or
/// longer than declared fails the read too.
/// </remarks>
internal sealed class EncryptingReadStream : ReadOnlyStream
{
    private readonly Stream _plaintext;
    private readonly long _plaintextLength;
    private readonly byte[] _identity;
    private readonly ObjectCipher _cipher;
    private readonly Action<ContentMismatchException>? _onMismatch;
    private readonly byte[] _plain = new byte[CryptFormat.SegmentSize];
    private readonly byte[] _out = new byte[CryptFormat.SegmentSize + CryptFormat.TagSize];
    private readonly long _segments;
    private int _outPosition;
    private int _outLength;
    private long _nextSegment;
    private long _consumed;

    /// <summary>Encrypts <paramref name="plaintext"/> (disposed with this stream).</summary>
    /// <param name="plaintext">The plaintext, read from its current position.</param>
    /// <param name="plaintextLength">How many bytes it holds: exactly these are read, then its end is checked.</param>
    /// <param name="identity">The object's identity (<see cref="CryptFormat.IdentityOf(ContentHash)"/>), sealed in the header and bound to every segment.</param>
    /// <param name="key">The key to seal under.</param>
    /// <param name="onMismatch">Told when a read of the plaintext finds it damaged, before the error goes on.</param>
    public EncryptingReadStream(Stream plaintext, long plaintextLength, byte[] identity, EncryptionKey key, Action<ContentMismatchException>? onMismatch = null)
    {
        _onMismatch = onMismatch;
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        _plaintext = plaintext;
        _plaintextLength = plaintextLength;
        _identity = identity;
        _segments = CryptFormat.SegmentCount(plaintextLength);
        _cipher = CryptFormat.WriteHeader(key, identity, plaintextLength, _out.AsSpan(0, CryptFormat.HeaderSize));
        _outLength = CryptFormat.HeaderSize;
        Length = CryptFormat.CiphertextLength(plaintextLength);
    }

    /// <summary>The object's length: <see cref="CryptFormat.CiphertextLength"/>.</summary>
    public override long Length { get; }

    /// <inheritdoc />
    /// <remarks>Fills the buffer with as many whole sealed segments as fit, sealed straight into it, so a large buffer costs one call.</remarks>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        var written = 0;
        if (_outPosition < _outLength)
        {
            written = Math.Min(buffer.Length, _outLength - _outPosition);
            _out.AsMemory(_outPosition, written).CopyTo(buffer);
            _outPosition += written;
        }

        try
        {
            while (written < buffer.Length && _nextSegment < _segments)
            {
                var sealedLength = (int)Math.Min(CryptFormat.SegmentSize, _plaintextLength - _consumed) + CryptFormat.TagSize;
                if (buffer.Length - written >= sealedLength)
                {
                    await SealNextSegmentAsync(buffer.Slice(written, sealedLength), cancellationToken).ConfigureAwait(false);
                    written += sealedLength;
                }
                else if (written == 0)
                {
                    // A buffer smaller than a sealed segment: the rest waits in memory for the next reads.
                    await SealNextSegmentAsync(_out.AsMemory(0, sealedLength), cancellationToken).ConfigureAwait(false);
                    _outLength = sealedLength;
                    written = buffer.Length;
                    _out.AsMemory(0, written).CopyTo(buffer);
                    _outPosition = written;
                }
                else
                {
                    break;
                }
            }
        }
        catch (ContentMismatchException e)
        {
            _onMismatch?.Invoke(e);
            throw;
        }

        return written;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _plaintext.Dispose();
            _cipher.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _plaintext.DisposeAsync().ConfigureAwait(false);
        _cipher.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Reads the next segment's plaintext and seals it into <paramref name="destination"/> (exactly its sealed length).</summary>
    private async Task SealNextSegmentAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var length = destination.Length - CryptFormat.TagSize;
        var filled = 0;
        while (filled < length)
        {
            var read = await _plaintext.ReadAsync(_plain.AsMemory(filled, length - filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException($"The plaintext ended after {_consumed + filled} of its {_plaintextLength} bytes; nothing sealed was completed.");
            }

            filled += read;
        }

        _consumed += length;
        var last = _nextSegment == _segments - 1;
        if (last)
        {
            // The plaintext must say it has ended (a verifying source checks its bytes here) before its last segment is sealed.
            var extra = new byte[1];
            if (await _plaintext.ReadAsync(extra, cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new IOException($"The plaintext holds more than its {_plaintextLength} bytes; nothing sealed was completed.");
            }
        }

        Seal(_nextSegment, last, length, destination.Span);
        _nextSegment++;
    }

    private void Seal(long segment, bool last, int length, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[CryptFormat.NonceSize];
        CryptFormat.SegmentNonce(segment, last, nonce);
        _cipher.Seal(nonce, _plain.AsSpan(0, length), destination[..length], destination.Slice(length, CryptFormat.TagSize), _identity);
    }
}
