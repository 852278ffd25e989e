using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CloudManager.Hosts.Encryption;

/// <summary>
/// The layout of an encrypted object (version 1), in the spirit of rclone crypt and age:
/// </summary>
/// <remarks>
/// <code>
/// header (90 bytes):
///   "CMCRYPT" (7) | version 1 (1) | algorithm (1: 1 AES-256-GCM, 2 ChaCha20-Poly1305) | key id (8) | object nonce (16, random)
///   sealed block (41 + 16 tag): identity kind (1: 1 content, 2 named object) | identity (32) | plaintext length (8, big-endian)
/// segments: each 64 KiB of plaintext (the last one shorter, possibly empty) sealed, + 16 tag
/// </code>
/// <para>Each object has its own key, HKDF-SHA256 of the key's content key with the object nonce as
/// salt, so nonces never repeat across objects. A segment's 12-byte nonce is its number (11 bytes,
/// big-endian) and a last-segment flag (1 byte: 0 or 1), so a reordered, dropped, swapped or
/// truncated segment fails authentication. The header's sealed block uses the nonce
/// <c>FF…FF 02</c>, which no segment uses, with the 33 clear bytes before it as associated data, so
/// the key id and algorithm cannot be changed. Every segment has the identity (kind and 32 bytes) as
/// associated data, so one object's segments cannot stand for another's.</para>
/// <para>The identity is the plaintext's SHA-256 for content, and SHA-256 of the name for a named
/// object (<see cref="SealedObject"/>); the sealed header names it, so an object found by listing
/// can be identified with the key alone.</para>
/// </remarks>
internal static class CryptFormat
{
    public const int SegmentSize = 64 * 1024;
    public const int TagSize = 16;
    public const int NonceSize = 12;
    public const int ObjectNonceSize = 16;
    public const int IdentitySize = 1 + 32;
    public const int ClearHeaderSize = 7 + 1 + 1 + 8 + ObjectNonceSize;
    public const int SealedHeaderSize = IdentitySize + 8 + TagSize;
    public const int HeaderSize = ClearHeaderSize + SealedHeaderSize;
    public const byte Version = 1;
    public const byte ContentIdentity = 1;
    public const byte NamedIdentity = 2;

    private static readonly byte[] Magic = "CMCRYPT"u8.ToArray();

    /// <summary>The algorithm this process seals with: AES-256-GCM where the platform has it (hardware-accelerated almost everywhere), else ChaCha20-Poly1305.</summary>
    public static CryptAlgorithm PreferredAlgorithm { get; } =
        AesGcm.IsSupported ? CryptAlgorithm.Aes256Gcm
        : ChaCha20Poly1305.IsSupported ? CryptAlgorithm.ChaCha20Poly1305
        : CryptAlgorithm.None;

    /// <summary>The identity of content: kind 1 and its SHA-256.</summary>
    public static byte[] IdentityOf(ContentHash hash)
    {
        var identity = new byte[IdentitySize];
        identity[0] = ContentIdentity;
        hash.WriteBytes(identity.AsSpan(1));
        return identity;
    }

    /// <summary>The identity of a named object: kind 2 and the SHA-256 of its UTF-8 name.</summary>
    public static byte[] IdentityOf(string name)
    {
        var identity = new byte[IdentitySize];
        identity[0] = NamedIdentity;
        SHA256.HashData(Encoding.UTF8.GetBytes(name), identity.AsSpan(1));
        return identity;
    }

    /// <summary>The number of segments of a plaintext: at least one (an empty plaintext has one empty, last segment).</summary>
    public static long SegmentCount(long plaintextLength) =>
        plaintextLength == 0 ? 1 : (plaintextLength + SegmentSize - 1) / SegmentSize;

    /// <summary>The length of the object that seals a plaintext of the given length.</summary>
    public static long CiphertextLength(long plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        return HeaderSize + plaintextLength + (TagSize * SegmentCount(plaintextLength));
    }

    /// <summary>The plaintext length an object of <paramref name="ciphertextLength"/> bytes seals, or -1 when no plaintext seals to that length.</summary>
    public static long PlaintextLength(long ciphertextLength)
    {
        var body = ciphertextLength - HeaderSize;
        if (body < TagSize)
        {
            return -1;
        }

        // Every full segment costs SegmentSize + TagSize; what is left is the last, shorter segment and its tag.
        var full = body / (SegmentSize + TagSize);
        var rest = body % (SegmentSize + TagSize);
        if (rest != 0 && rest < TagSize)
        {
            return -1;
        }

        var length = (full * SegmentSize) + (rest == 0 ? 0 : rest - TagSize);
        return length >= 0 && CiphertextLength(length) == ciphertextLength ? length : -1;
    }

    /// <summary>Writes a segment's nonce: its number, big-endian, and the last-segment flag.</summary>
    public static void SegmentNonce(long segment, bool last, Span<byte> nonce)
    {
        nonce[..3].Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[3..11], segment);
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    /// <summary>Writes a new header for a plaintext and returns the object's cipher.</summary>
    public static ObjectCipher WriteHeader(EncryptionKey key, ReadOnlySpan<byte> identity, long plaintextLength, Span<byte> header)
    {
        var algorithm = PreferredAlgorithm;
        if (algorithm == CryptAlgorithm.None)
        {
            throw new PlatformNotSupportedException("This system offers neither AES-GCM nor ChaCha20-Poly1305; encrypted hosts cannot be used here.");
        }

        Magic.CopyTo(header);
        header[7] = Version;
        header[8] = (byte)algorithm;
        key.IdBytes.CopyTo(header[9..17]);
        RandomNumberGenerator.Fill(header.Slice(17, ObjectNonceSize));
        var cipher = new ObjectCipher(algorithm, key, header.Slice(17, ObjectNonceSize));
        Span<byte> sealedPart = stackalloc byte[IdentitySize + 8];
        identity.CopyTo(sealedPart);
        BinaryPrimitives.WriteInt64BigEndian(sealedPart[IdentitySize..], plaintextLength);
        Span<byte> nonce = stackalloc byte[NonceSize];
        HeaderNonce(nonce);
        cipher.Seal(nonce, sealedPart, header.Slice(ClearHeaderSize, IdentitySize + 8), header.Slice(ClearHeaderSize + IdentitySize + 8, TagSize), header[..ClearHeaderSize]);
        return cipher;
    }

    /// <summary>
    /// Reads a header: finds its key in the ring and opens its sealed block.
    /// </summary>
    /// <returns>The object's cipher, its identity and its plaintext length.</returns>
    /// <exception cref="CryptographicException">Not an object of this format, a key the ring does not hold, or a header that fails authentication; the message says which.</exception>
    public static (ObjectCipher Cipher, byte[] Identity, long Length) ReadHeader(EncryptionKeyRing keys, ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderSize || !header[..7].SequenceEqual(Magic))
        {
            throw new CryptographicException("it does not start with an encrypted object's header");
        }

        if (header[7] != Version)
        {
            throw new CryptographicException($"its format version is {header[7]}; this program reads version {Version}");
        }

        var algorithm = (CryptAlgorithm)header[8];
        if (algorithm is not (CryptAlgorithm.Aes256Gcm or CryptAlgorithm.ChaCha20Poly1305))
        {
            throw new CryptographicException($"it names unknown algorithm {header[8]}");
        }

        var keyId = Convert.ToHexStringLower(header[9..17]);
        var key = keys.Find(keyId) ?? throw new CryptographicException($"it is sealed under key {keyId}, which the key ring does not hold");
        var cipher = new ObjectCipher(algorithm, key, header.Slice(17, ObjectNonceSize));
        try
        {
            Span<byte> opened = stackalloc byte[IdentitySize + 8];
            Span<byte> nonce = stackalloc byte[NonceSize];
            HeaderNonce(nonce);
            if (!cipher.TryOpen(nonce, header.Slice(ClearHeaderSize, IdentitySize + 8), header.Slice(ClearHeaderSize + IdentitySize + 8, TagSize), opened, header[..ClearHeaderSize]))
            {
                throw new CryptographicException("its header fails authentication (damaged, or not sealed under this key)");
            }

            var length = BinaryPrimitives.ReadInt64BigEndian(opened[IdentitySize..]);
            if (length < 0)
            {
                throw new CryptographicException("its header names a negative length");
            }

            return (cipher, opened[..IdentitySize].ToArray(), length);
        }
        catch
        {
            cipher.Dispose();
            throw;
        }
    }

    private static void HeaderNonce(Span<byte> nonce)
    {
        nonce[..11].Fill(0xFF);
        nonce[11] = 2;
    }
}

/// <summary>The AEAD an object is sealed with, recorded in its header.</summary>
internal enum CryptAlgorithm : byte
{
    /// <summary>None available.</summary>
    None = 0,

    /// <summary>AES-256-GCM.</summary>
    Aes256Gcm = 1,

    /// <summary>ChaCha20-Poly1305.</summary>
    ChaCha20Poly1305 = 2,
}

/// <summary>One object's AEAD under its own key (derived from the key's content key and the object nonce).</summary>
internal sealed class ObjectCipher : IDisposable
{
    private readonly AesGcm? _aes;
    private readonly ChaCha20Poly1305? _chacha;

    public ObjectCipher(CryptAlgorithm algorithm, EncryptionKey key, ReadOnlySpan<byte> objectNonce)
    {
        Span<byte> objectKey = stackalloc byte[32];
        Span<byte> info = stackalloc byte[24];
        "cloud-manager/v1/object/"u8.CopyTo(info);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.ContentKey, objectKey, objectNonce, info);
        try
        {
            if (algorithm == CryptAlgorithm.Aes256Gcm)
            {
                _aes = AesGcm.IsSupported ? new AesGcm(objectKey, CryptFormat.TagSize) : throw new CryptographicException("it is sealed with AES-GCM, which this system does not offer");
            }
            else
            {
                _chacha = ChaCha20Poly1305.IsSupported ? new ChaCha20Poly1305(objectKey) : throw new CryptographicException("it is sealed with ChaCha20-Poly1305, which this system does not offer");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(objectKey);
        }
    }

    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (_aes is not null)
        {
            _aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
        else
        {
            _chacha!.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
    }

    public bool TryOpen(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        try
        {
            if (_aes is not null)
            {
                _aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            }
            else
            {
                _chacha!.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            }

            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            plaintext.Clear();
            return false;
        }
    }

    public void Dispose()
    {
        _aes?.Dispose();
        _chacha?.Dispose();
    }
}
