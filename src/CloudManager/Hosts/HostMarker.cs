using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudManager.Hosts;

/// <summary>
/// A host's identity: a small marker written on the host itself on first use, holding a random id
/// (as git-annex remotes carry a UUID). The catalog records copies by this id, so a renamed host keeps
/// its copies and a different disk mounted at the same place holds none of the old ones.
/// </summary>
/// <remarks>
/// <para>Stored as <see cref="ObjectName"/> at the root of the host's content space, next to the
/// hash-named objects (never listed as content), as small JSON:</para>
/// <code>
/// {"format":"cloud-manager-host","version":1,"id":"0f3c…(32 hex)","kind":"directory","createdAt":"2025-01-31T12:00:00+00:00"}
/// </code>
/// <para>A host whose copies are encrypted (<see cref="Encryption.EncryptedStorageHost"/>) carries a
/// <c>keyCheck</c> too, <c>"KEYID:32 hex digits"</c> (<see cref="KeyCheck"/>); markers without one omit the field.</para>
/// <para><see cref="Parse"/> refuses anything else (another format name or version, an id that is not
/// 32 lower-case hex digits, a missing field, an unknown field, more than <see cref="MaxBytes"/>) with a
/// <see cref="HostMarkerException"/> that says what is wrong.</para>
/// </remarks>
/// <param name="Id">32 lower-case hex digits from a cryptographic random source.</param>
/// <param name="CreatedAt">When the marker was made.</param>
/// <param name="Kind">The kind of the host that wrote it (<c>directory</c>, <c>s3</c>, ...); informative, the id alone identifies.</param>
public sealed partial record HostMarker(string Id, DateTimeOffset CreatedAt, string Kind)
{
    /// <summary>The marker's object name at the root of every host's content space.</summary>
    public const string ObjectName = "cloud-manager-host.json";

    /// <summary>The <c>format</c> every marker carries.</summary>
    public const string FormatName = "cloud-manager-host";

    /// <summary>The <c>version</c> of the format this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The largest marker accepted, in bytes; a larger object at the marker's name is not a marker.</summary>
    public const int MaxBytes = 4096;

    /// <summary>
    /// The key check value of an encrypted host (<see cref="Encryption.EncryptionKey.CheckValueFor"/>):
    /// which key id it was set up with and a value that tells whether a key is that one; null for a
    /// host whose copies are not encrypted.
    /// </summary>
    public string? KeyCheck { get; init; }

    /// <summary>A new marker with a random id, made now; its <see cref="Kind"/> is empty until a host writes it (<see cref="IStorageHost.CreateMarkerAsync"/> records the host's own kind).</summary>
    public static HostMarker CreateNew(TimeProvider timeProvider) => CreateNew(timeProvider, "");

    /// <summary>A new marker with a random id, made now, for a host of the given kind.</summary>
    public static HostMarker CreateNew(TimeProvider timeProvider, string kind)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(kind);
        return new HostMarker(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), timeProvider.GetUtcNow(), kind);
    }

    /// <summary>The id a host derives from stable facts instead of storing a marker (hosts whose <see cref="HostCapabilities.StoresMarker"/> is false): the first 32 hex digits of SHA-256 over the parts, each followed by a newline.</summary>
    public static string DeriveId(params ReadOnlySpan<string> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in parts)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(part + "\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    /// <summary>Whether a text is a valid marker id: exactly 32 lower-case hex digits.</summary>
    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>The marker as the UTF-8 JSON stored on hosts.</summary>
    /// <exception cref="InvalidOperationException">The id or kind is not valid.</exception>
    public byte[] ToJson()
    {
        if (!IsValidId(Id) || !IsValidKind(Kind) || (KeyCheck is not null && !IsValidKeyCheck(KeyCheck)))
        {
            throw new InvalidOperationException($"The marker (id '{Id}', kind '{Kind}', key check '{KeyCheck}') is not valid: the id must be 32 lower-case hex digits, the kind 1 to 32 lower-case letters, digits or dashes, the key check 16 and 32 lower-case hex digits around a colon.");
        }

        return JsonSerializer.SerializeToUtf8Bytes(new MarkerDocument(FormatName, FormatVersion, Id, Kind, CreatedAt) { KeyCheck = KeyCheck }, MarkerJson.Default.MarkerDocument);
    }

    /// <summary>Reads a marker from its stored bytes.</summary>
    /// <param name="hostName">The host it came from, for the error.</param>
    /// <param name="json">The stored bytes.</param>
    /// <exception cref="HostMarkerException">The bytes are not a valid marker; the message says why.</exception>
    public static HostMarker Parse(string hostName, ReadOnlySpan<byte> json)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        var what = $"Host '{hostName}': the identity marker {ObjectName}";
        const string Advice = "Look at the file: if this place is not a pool host, configure another place; if the marker was damaged, restore it from a backup or from the catalog's record of this host's id. It is never replaced automatically.";
        if (json.Length > MaxBytes)
        {
            throw new HostMarkerException(hostName, $"{what} is {json.Length} bytes, more than the {MaxBytes} a marker can be. {Advice}");
        }

        MarkerDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, MarkerJson.Default.MarkerDocument);
        }
        catch (JsonException e)
        {
            throw new HostMarkerException(hostName, $"{what} is not a valid marker ({e.Message}). {Advice}", e);
        }

        string? problem = document switch
        {
            null => "is empty (JSON null)",
            { Format: not FormatName } => $"has format '{document.Format}', not '{FormatName}'",
            { Version: not FormatVersion } => $"has version {document.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"}; this program reads version {FormatVersion}",
            { Id: var id } when !IsValidId(id) => $"has id '{id}', not 32 lower-case hex digits",
            { Kind: var kind } when !IsValidKind(kind) => $"has kind '{kind}', not 1 to 32 lower-case letters, digits or dashes",
            { CreatedAt: null } => "has no createdAt",
            { KeyCheck: { } check } when !IsValidKeyCheck(check) => $"has keyCheck '{check}', not 16 and 32 lower-case hex digits around a colon",
            _ => null,
        };
        return problem is null
            ? new HostMarker(document!.Id!, document.CreatedAt!.Value, document.Kind!) { KeyCheck = document.KeyCheck }
            : throw new HostMarkerException(hostName, $"{what} {problem}. {Advice}");
    }

    /// <summary>Reads a marker from a stream, at most <see cref="MaxBytes"/> + 1 bytes of it.</summary>
    /// <exception cref="HostMarkerException">The stream does not hold a valid marker.</exception>
    public static async Task<HostMarker> ReadAsync(string hostName, Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return Parse(hostName, buffer.AsSpan(0, length));
    }

    /// <summary>
    /// After a marker was written where the store may keep an older or a racing node's write visible for a
    /// moment (eventually consistent listings, a rename that lost a race): reads it until two reads in a row
    /// agree (at most five, 300 ms apart), and returns the one that stands.
    /// </summary>
    /// <param name="read">Reads the marker; null when none is there.</param>
    /// <param name="gone">The error for a marker gone again after it was written.</param>
    /// <param name="cancellationToken">Cancels the reads and the waits.</param>
    internal static async Task<HostMarker> SettleAsync(Func<CancellationToken, Task<HostMarker?>> read, Func<Exception> gone, CancellationToken cancellationToken)
    {
        HostMarker? previous = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await read(cancellationToken).ConfigureAwait(false) ?? throw gone();
            if (current == previous)
            {
                return current;
            }

            previous = current;
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken).ConfigureAwait(false);
        }

        return previous!;
    }

    private static bool IsValidKind(string? kind) =>
        kind is { Length: > 0 and <= 32 } && kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static bool IsValidKeyCheck(string check) =>
        check is { Length: 49 } && check[16] == ':' && IsLowerHex(check.AsSpan(0, 16)) && IsLowerHex(check.AsSpan(17));

    private static bool IsLowerHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }

    internal sealed record MarkerDocument(string? Format, int? Version, string? Id, string? Kind, DateTimeOffset? CreatedAt)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? KeyCheck { get; init; }
    }

    /// <summary>The marker's JSON, read without reflection; unknown and duplicate fields are errors.</summary>
    [JsonSourceGenerationOptions(
        PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false)]
    [JsonSerializable(typeof(MarkerDocument))]
    internal sealed partial class MarkerJson : JsonSerializerContext;
}
