namespace CloudManager.Hosts.Encryption;

/// <summary>
/// Seals and opens whole named objects (small metadata such as journal segments) in the same format as
/// an encrypted host's content (<see cref="EncryptedStorageHost"/>): the name is the object's identity,
/// sealed in its header and bound to every segment, so an object stored under another name fails to
/// open.
/// </summary>
/// <remarks>
/// <code>
/// await using var sealedStream = SealedObject.Seal(plain, plain.Length, "journal/0001", keys);
/// // store sealedStream (SealedObject.SealedLength(plain.Length) bytes) under a name of your choice
/// await using var opened = await SealedObject.OpenAsync(stored, "journal/0001", keys, token);
/// </code>
/// <para>Streams either way, two 64 KiB segments of memory. To hide the name from the host too, store
/// the object under <see cref="StoredNameOf"/>.</para>
/// </remarks>
public static class SealedObject
{
    /// <summary>The length of the sealed object for a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static long SealedLength(long plaintextLength) => CryptFormat.CiphertextLength(plaintextLength);

    /// <summary>A keyed name for an object name (HMAC-SHA256 under the writing key's name key, 64 hex digits): the host does not learn the name.</summary>
    public static string StoredNameOf(string name, EncryptionKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Writer.NameOf(CryptFormat.IdentityOf(name)).ToString();
    }

    /// <summary>A stream of the sealed object, made as it is read from <paramref name="plaintext"/> (disposed with it).</summary>
    /// <param name="plaintext">The bytes to seal: exactly <paramref name="length"/> of them, then its end.</param>
    /// <param name="length">The plaintext's length.</param>
    /// <param name="name">The object's name, bound to it.</param>
    /// <param name="keys">The ring whose <see cref="EncryptionKeyRing.Writer"/> seals.</param>
    public static Stream Seal(Stream plaintext, long length, string name, EncryptionKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(keys);
        return new EncryptingReadStream(plaintext, length, CryptFormat.IdentityOf(name), keys.Writer);
    }

    /// <summary>Opens a sealed object: the returned stream hands out its plaintext, authenticated segment by segment.</summary>
    /// <param name="sealedObject">The stored bytes from their start; disposed with the returned stream.</param>
    /// <param name="name">The name it was sealed under.</param>
    /// <param name="keys">The keys that may have sealed it.</param>
    /// <param name="cancellationToken">Cancels the read of the header.</param>
    /// <exception cref="InvalidDataException">The object is not sealed under this name by a key of the ring, or is damaged (also thrown by later reads).</exception>
    public static async Task<Stream> OpenAsync(Stream sealedObject, string name, EncryptionKeyRing keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sealedObject);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(keys);
        return await DecryptingReadStream.OpenAsync(
            sealedObject, keys, CryptFormat.IdentityOf(name), expectedLength: null,
            why => new InvalidDataException($"The encrypted object '{name}' cannot be opened: {why}."), cancellationToken).ConfigureAwait(false);
    }
}
