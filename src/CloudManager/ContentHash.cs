using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CloudManager;

/// <summary>
/// The SHA-256 of a file's content: the only name the pool knows a file by.
/// </summary>
/// <remarks>
/// Equality, hashing and ordering compare the 32 digest bytes; <see cref="ToString"/> gives the
/// 64 lowercase hexadecimal digits used in the catalog, the payload JSON and cache file names.
/// </remarks>
public readonly record struct ContentHash : IComparable<ContentHash>
{
    /// <summary>Length of a hash in bytes.</summary>
    public const int ByteLength = 32;

    /// <summary>Length of a hash written as hexadecimal digits.</summary>
    public const int HexLength = 64;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    /// <inheritdoc />
    /// <remarks>
    /// Mixes all 256 bits with a per-process random seed. The generated hash code folds each 64-bit
    /// word by XOR of its halves, so values whose halves repeat (a hostile sync document can send
    /// any 64 hex digits) all collide and turn every dictionary of hashes quadratic.
    /// </remarks>
    public override int GetHashCode()
    {
        // Every 32-bit half on its own: ulong's own hash code is that same XOR of halves.
        var hash = default(HashCode);
        foreach (var word in (ReadOnlySpan<ulong>)[_a, _b, _c, _d])
        {
            hash.Add((uint)word);
            hash.Add((uint)(word >> 32));
        }

        return hash.ToHashCode();
    }

    private ContentHash(ReadOnlySpan<byte> digest)
    {
        _a = BinaryPrimitives.ReadUInt64BigEndian(digest);
        _b = BinaryPrimitives.ReadUInt64BigEndian(digest[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(digest[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(digest[24..]);
    }

    /// <summary>Wraps a 32-byte SHA-256 digest.</summary>
    /// <exception cref="ArgumentException">The digest is not 32 bytes long.</exception>
    public static ContentHash FromBytes(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != ByteLength)
        {
            throw new ArgumentException($"A SHA-256 digest has {ByteLength} bytes, not {digest.Length}.", nameof(digest));
        }

        return new ContentHash(digest);
    }

    /// <summary>Parses 64 hexadecimal digits (either case).</summary>
    /// <exception cref="FormatException">The text is not 64 hexadecimal digits.</exception>
    public static ContentHash Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, out var hash))
        {
            throw new FormatException($"'{Shorten(hex)}' is not a SHA-256 hash: expected {HexLength} hexadecimal digits.");
        }

        return hash;
    }

    /// <summary>Parses 64 hexadecimal digits (either case) without throwing.</summary>
    public static bool TryParse(string? hex, out ContentHash hash)
    {
        Span<byte> digest = stackalloc byte[ByteLength];
        return TryWrap(
            hex is { Length: HexLength } && Convert.FromHexString(hex, digest, out _, out var written) == System.Buffers.OperationStatus.Done && written == ByteLength,
            digest,
            out hash);
    }

    /// <summary>Parses 64 hexadecimal digits (either case) given as UTF-8 bytes, without making a string.</summary>
    internal static bool TryParseUtf8(ReadOnlySpan<byte> hex, out ContentHash hash)
    {
        Span<byte> digest = stackalloc byte[ByteLength];
        return TryWrap(
            hex.Length == HexLength && Convert.FromHexString(hex, digest, out _, out var written) == System.Buffers.OperationStatus.Done && written == ByteLength,
            digest,
            out hash);
    }

    private static bool TryWrap(bool parsed, ReadOnlySpan<byte> digest, out ContentHash hash)
    {
        hash = parsed ? new ContentHash(digest) : default;
        return parsed;
    }

    /// <summary>Hashes a whole stream from its current position to its end.</summary>
    public static async Task<ContentHash> ComputeAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var digest = await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false);
        return new ContentHash(digest);
    }

    /// <summary>Hashes a byte span.</summary>
    public static ContentHash Compute(ReadOnlySpan<byte> content) => new(SHA256.HashData(content));

    /// <summary>Writes the 32 digest bytes into <paramref name="destination"/>.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>The 64 lowercase hexadecimal digits.</summary>
    public override string ToString()
    {
        Span<byte> digest = stackalloc byte[ByteLength];
        WriteBytes(digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <inheritdoc />
    public int CompareTo(ContentHash other)
    {
        var c = _a.CompareTo(other._a);
        if (c != 0)
        {
            return c;
        }

        c = _b.CompareTo(other._b);
        if (c != 0)
        {
            return c;
        }

        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    /// <summary>Orders hashes by their digest bytes.</summary>
    public static bool operator <(ContentHash left, ContentHash right) => left.CompareTo(right) < 0;

    /// <summary>Orders hashes by their digest bytes.</summary>
    public static bool operator >(ContentHash left, ContentHash right) => left.CompareTo(right) > 0;

    /// <summary>Orders hashes by their digest bytes.</summary>
    public static bool operator <=(ContentHash left, ContentHash right) => left.CompareTo(right) <= 0;

    /// <summary>Orders hashes by their digest bytes.</summary>
    public static bool operator >=(ContentHash left, ContentHash right) => left.CompareTo(right) >= 0;

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
}
