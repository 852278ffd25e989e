using System.Security.Cryptography;
using System.Text;

namespace CloudManager.Hosts.Encryption;

/// <summary>
/// One secret key of a key ring: an id (16 lower-case hex digits, stored in the clear in every object
/// it seals) and 32 random bytes, from which three independent keys are derived with HKDF-SHA256: one
/// for the segments of objects, one for object names (HMAC) and one for the key check value a host's
/// identity marker records.
/// </summary>
public sealed class EncryptionKey
{
    /// <summary>The length of a key's secret in bytes.</summary>
    public const int SecretLength = 32;

    private readonly byte[] _contentKey;
    private readonly byte[] _nameKey;
    private readonly byte[] _checkKey;

    /// <summary>Creates a key from its id and secret.</summary>
    /// <param name="id">16 lower-case hex digits.</param>
    /// <param name="secret">Exactly <see cref="SecretLength"/> bytes; copied.</param>
    /// <exception cref="ArgumentException">The id or the secret has the wrong form.</exception>
    public EncryptionKey(string id, ReadOnlySpan<byte> secret)
    {
        if (!IsValidId(id))
        {
            throw new ArgumentException($"The key id '{id}' is not 16 lower-case hex digits.", nameof(id));
        }

        if (secret.Length != SecretLength)
        {
            throw new ArgumentException($"Key '{id}' is {secret.Length} bytes; a key is {SecretLength} bytes.", nameof(secret));
        }

        Id = id;
        IdBytes = Convert.FromHexString(id);
        _contentKey = Derive(secret, "cloud-manager/v1/content");
        _nameKey = Derive(secret, "cloud-manager/v1/names");
        _checkKey = Derive(secret, "cloud-manager/v1/key-check");
    }

    /// <summary>The key's id: 16 lower-case hex digits.</summary>
    public string Id { get; }

    /// <summary>The id as the 8 bytes a header stores.</summary>
    internal byte[] IdBytes { get; }

    /// <summary>The key that per-object keys are derived from.</summary>
    internal ReadOnlySpan<byte> ContentKey => _contentKey;

    /// <summary>A new key with a random id and secret from the system's cryptographic source.</summary>
    public static EncryptionKey CreateNew() =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), RandomNumberGenerator.GetBytes(SecretLength));

    /// <summary>Whether a text is a valid key id: exactly 16 lower-case hex digits.</summary>
    public static bool IsValidId(string? id) => id is { Length: 16 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>
    /// The keyed name of an identity: HMAC-SHA256 under the name key, so a host learns neither the hash
    /// nor anything it could match against a known file.
    /// </summary>
    public ContentHash NameOf(ReadOnlySpan<byte> identity)
    {
        Span<byte> mac = stackalloc byte[ContentHash.ByteLength];
        HMACSHA256.HashData(_nameKey, identity, mac);
        return ContentHash.FromBytes(mac);
    }

    /// <summary>
    /// The key check value recorded in a host's identity marker: <c>ID:HEX</c>, HEX being 32 hex digits
    /// of HMAC-SHA256 under the check key over the marker's id. It tells whether a key is the one the
    /// host was set up with, and reveals nothing about the key.
    /// </summary>
    public string CheckValueFor(string markerId)
    {
        ArgumentNullException.ThrowIfNull(markerId);
        var mac = HMACSHA256.HashData(_checkKey, Encoding.UTF8.GetBytes("cloud-manager key check\n" + markerId));
        return $"{Id}:{Convert.ToHexStringLower(mac.AsSpan(0, 16))}";
    }

    /// <inheritdoc />
    public override string ToString() => $"key {Id}";

    private static byte[] Derive(ReadOnlySpan<byte> secret, string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret.ToArray(), 32, [], Encoding.UTF8.GetBytes(purpose));
}
