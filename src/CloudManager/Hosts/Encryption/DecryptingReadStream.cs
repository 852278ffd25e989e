using System.Security.Cryptography;
using CloudManager.IO;

namespace CloudManager.Hosts.Encryption;

/// <summary>
/// Reads an encrypted object (<see cref="CryptFormat"/>) and hands out its plaintext, one
/// authenticated segment at a time: a segment's bytes are handed out only once it has been
/// authenticated, and the last one only once the object is known to end right after it.
/// </summary>
/// <remarks>
/// Every failure (not this format, a key the ring lacks, another identity or length than expected, a
/// segment that fails authentication, an object cut short or too long) throws the exception the
/// caller's <c>damaged</c> function makes from a sentence saying what is wrong, so a host can report
/// a damaged copy, never an unreachable one.
/// </remarks>
internal sealed class DecryptingReadStream : ReadOnlyStream
{
    private readonly Stream _ciphertext;
    private readonly ObjectCipher _cipher;
    private readonly byte[] _identity;
    private readonly Func<string, Exception> _damaged;
    private readonly byte[] _in = new byte[CryptFormat.SegmentSize + CryptFormat.TagSize];
    private readonly byte[] _plain = new byte[CryptFormat.SegmentSize];
    private readonly long _segments;
    private int _plainPosition;
    private int _plainLength;
    private long _nextSegment;

    private DecryptingReadStream(Stream ciphertext, ObjectCipher cipher, byte[] identity, long length, Func<string, Exception> damaged)
    {
        _ciphertext = ciphertext;
        _cipher = cipher;
        _identity = identity;
        _damaged = damaged;
        PlaintextLength = length;
        _segments = CryptFormat.SegmentCount(length);
    }

    /// <summary>The plaintext's length, from the authenticated header.</summary>
    public long PlaintextLength { get; }

    /// <summary>The identity the header names (kind and 32 bytes).</summary>
    public ReadOnlySpan<byte> Identity => _identity;

    /// <summary>Reads and authenticates the header of an object.</summary>
    /// <param name="ciphertext">The object, from its first byte; disposed with the stream, or here on failure.</param>
    /// <param name="keys">The keys that may have sealed it.</param>
    /// <param name="expectedIdentity">The identity the object must have, or null to accept any (a listing).</param>
    /// <param name="expectedLength">The plaintext length it must have, or null.</param>
    /// <param name="damaged">Makes the exception for a sentence saying what is wrong with the object.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<DecryptingReadStream> OpenAsync(
        Stream ciphertext, EncryptionKeyRing keys, byte[]? expectedIdentity, long? expectedLength, Func<string, Exception> damaged, CancellationToken cancellationToken)
    {
        try
        {
            var header = new byte[CryptFormat.HeaderSize];
            var read = await ReadFullyAsync(ciphertext, header, cancellationToken).ConfigureAwait(false);
            if (read < header.Length)
            {
                throw damaged($"the object is {read} bytes, shorter than an encrypted object's header");
            }

            ObjectCipher cipher;
            byte[] identity;
            long length;
            try
            {
                (cipher, identity, length) = CryptFormat.ReadHeader(keys, header);
            }
            catch (CryptographicException e)
            {
                throw damaged(e.Message);
            }

            if (expectedIdentity is not null && !identity.AsSpan().SequenceEqual(expectedIdentity))
            {
                cipher.Dispose();
                throw damaged("its header names another object (moved or swapped)");
            }

            if (expectedLength is { } expected && expected != length)
            {
                cipher.Dispose();
                throw damaged($"its header says {length} bytes, not {expected}");
            }

            return new DecryptingReadStream(ciphertext, cipher, identity, length, damaged);
        }
        catch
        {
            await ciphertext.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public override long Length => PlaintextLength;

    /// <inheritdoc />
    /// <remarks>Fills the buffer with as many whole segments as fit, decrypted straight into it, so a large buffer costs one call.</remarks>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        var written = 0;
        if (_plainPosition < _plainLength)
        {
            written = Math.Min(buffer.Length, _plainLength - _plainPosition);
            _plain.AsMemory(_plainPosition, written).CopyTo(buffer);
            _plainPosition += written;
        }

        while (written < buffer.Length && _nextSegment < _segments)
        {
            var length = SegmentLength(_nextSegment);
            if (buffer.Length - written >= length)
            {
                await OpenNextSegmentAsync(buffer.Slice(written, length), cancellationToken).ConfigureAwait(false);
                written += length;
            }
            else if (written == 0)
            {
                // A buffer smaller than a segment: the rest of the segment waits in memory for the next reads.
                await OpenNextSegmentAsync(_plain.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                _plainLength = length;
                written = buffer.Length;
                _plain.AsMemory(0, written).CopyTo(buffer);
                _plainPosition = written;
            }
            else
            {
                break;
            }
        }

        return written;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ciphertext.Dispose();
            _cipher.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _ciphertext.DisposeAsync().ConfigureAwait(false);
        _cipher.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private int SegmentLength(long segment) => (int)Math.Min(CryptFormat.SegmentSize, PlaintextLength - (segment * CryptFormat.SegmentSize));

    /// <summary>Reads, authenticates and decrypts the next segment into <paramref name="destination"/> (exactly its length).</summary>
    private async Task OpenNextSegmentAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var last = _nextSegment == _segments - 1;
        var length = destination.Length;
        var sealedLength = length + CryptFormat.TagSize;
        var read = await ReadFullyAsync(_ciphertext, _in.AsMemory(0, sealedLength), cancellationToken).ConfigureAwait(false);
        if (read < sealedLength)
        {
            throw _damaged($"the object is cut short in segment {_nextSegment} of {_segments}");
        }

        if (last && await ReadFullyAsync(_ciphertext, new byte[1], cancellationToken).ConfigureAwait(false) != 0)
        {
            throw _damaged("the object holds more bytes than its header says");
        }

        if (!Open(_nextSegment, last, length, destination.Span))
        {
            throw _damaged($"segment {_nextSegment} of {_segments} fails authentication (changed, moved or from another object)");
        }

        _nextSegment++;
    }

    private bool Open(long segment, bool last, int length, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[CryptFormat.NonceSize];
        CryptFormat.SegmentNonce(segment, last, nonce);
        return _cipher.TryOpen(nonce, _in.AsSpan(0, length), _in.AsSpan(length, CryptFormat.TagSize), destination, _identity);
    }
}
