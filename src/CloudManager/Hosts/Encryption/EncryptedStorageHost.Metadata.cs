using System.Runtime.CompilerServices;

namespace CloudManager.Hosts.Encryption;

/// <summary>
/// Metadata objects (journal segments) on an encrypted host: sealed whole in the content's format, with
/// the object's name bound to it (<see cref="SealedObject"/>), so the host holds only ciphertext and an
/// object moved to another name does not open. Names stay as they are (the node's id and a time-ordered
/// sequence), since listing by prefix and in name order needs them; docs/security.md says so.
/// </summary>
public sealed partial class EncryptedStorageHost
{
    /// <inheritdoc />
    /// <remarks>The sealed bytes go through a private temp file (deleted when closed), so the inner host gets
    /// the seekable stream it may read again on a retry, and memory stays at two segments.</remarks>
    public async Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        ArgumentNullException.ThrowIfNull(content);
        content.Position = 0;
        var temp = new FileStream(
            Path.Combine(Path.GetTempPath(), $"cm-sealed-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        await using (temp.ConfigureAwait(false))
        {
            var sealedStream = SealedObject.Seal(new NonClosingStream(content), content.Length, name, _keys);
            await using (sealedStream.ConfigureAwait(false))
            {
                await sealedStream.CopyToAsync(temp, cancellationToken).ConfigureAwait(false);
            }

            temp.Position = 0;
            await _inner.PutMetadataAsync(name, temp, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>Lengths are the plaintexts', worked out from the sealed lengths; an object whose length no
    /// sealed object has is listed with its stored length (opening it fails).</remarks>
    public async IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in _inner.ListMetadataAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var plain = CryptFormat.PlaintextLength(entry.Length);
            yield return plain >= 0 ? entry with { Length = plain } : entry;
        }
    }

    /// <inheritdoc />
    /// <remarks>The stream hands out the plaintext, each segment authenticated before any of its bytes: an
    /// object that was changed, cut or moved from another name throws <see cref="InvalidDataException"/>.</remarks>
    public async Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        var stored = await _inner.OpenMetadataAsync(name, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        try
        {
            return await SealedObject.OpenAsync(stored, name, _keys, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stored.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public Task DeleteMetadataAsync(string name, CancellationToken cancellationToken) => _inner.DeleteMetadataAsync(name, cancellationToken);

    /// <summary>The caller's stream, left open when the sealing stream that reads it is disposed.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
