using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudManager.Hosts.Encryption;

/// <summary>
/// The keys an encrypted host may read with, oldest first; the last one (<see cref="Writer"/>) seals
/// everything written. Several keys let a key be replaced: objects sealed under an older key stay
/// readable as long as its key stays in the ring.
/// </summary>
/// <remarks>
/// <para>The key file (<see cref="Load"/>) is small JSON, readable by its owner only:</para>
/// <code>
/// {"format":"cloud-manager-keys","version":1,"keys":[{"id":"0123456789abcdef","key":"(44 characters of base64)"}]}
/// </code>
/// <para>Each <c>key</c> is 32 random bytes in base64; each <c>id</c> is 16 lower-case hex digits,
/// unique in the file. The last key of the array writes; every key reads.</para>
/// </remarks>
public sealed partial class EncryptionKeyRing
{
    /// <summary>The <c>format</c> every key file carries.</summary>
    public const string FormatName = "cloud-manager-keys";

    /// <summary>The <c>version</c> of the key file format.</summary>
    public const int FormatVersion = 1;

    private const int MaxFileBytes = 64 * 1024;

    /// <summary>Creates a ring from its keys, oldest first.</summary>
    /// <exception cref="ArgumentException">No key, or two keys with one id.</exception>
    public EncryptionKeyRing(IReadOnlyList<EncryptionKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            throw new ArgumentException("A key ring needs at least one key.", nameof(keys));
        }

        if (keys.GroupBy(k => k.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Key id '{twice.Key}' appears twice; every key needs its own id.", nameof(keys));
        }

        Keys = keys.ToList();
    }

    /// <summary>The keys, oldest first.</summary>
    public IReadOnlyList<EncryptionKey> Keys { get; }

    /// <summary>The key that seals what is written: the last one.</summary>
    public EncryptionKey Writer => Keys[^1];

    /// <summary>The readers in the order lookups try them: the writer first, then older keys newest first.</summary>
    internal IEnumerable<EncryptionKey> NewestFirst => Keys.Reverse();

    /// <summary>The key with an id, or null.</summary>
    public EncryptionKey? Find(string id) => Keys.FirstOrDefault(k => k.Id == id);

    /// <summary>
    /// Reads a key file, refusing one that its group or others may read (the key would not be a
    /// secret) on systems with Unix permissions.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <exception cref="ArgumentException">The file is missing, unreadable, readable by others, or not a valid key file; the message says which and what to do.</exception>
    public static EncryptionKeyRing Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(full);
                const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                    | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
                if ((mode & Others) != 0)
                {
                    throw new ArgumentException(
                        $"The key file '{full}' may be read or changed by other users (mode {Convert.ToString((int)mode, 8)}); a key must be secret. Run `chmod 600 {full}`, and make a new key if others may have read it.");
                }
            }

            var info = new FileInfo(full);
            if (info.Length > MaxFileBytes)
            {
                throw new ArgumentException($"The key file '{full}' is {info.Length} bytes; a key file is small JSON (at most {MaxFileBytes} bytes). Is this the right file?");
            }

            return Parse(File.ReadAllBytes(full), $"the key file '{full}'");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"The key file '{full}' does not exist. Make one with `cm hosts keygen {full}`, or point \"keyFile\" at the right file.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"The key file '{full}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Reads a key file's text (from an environment variable, say).</summary>
    /// <param name="json">The key file's JSON.</param>
    /// <param name="source">Where it came from, for the message: "the environment variable CM_KEY".</param>
    /// <exception cref="ArgumentException">Not a valid key file; the message says why.</exception>
    public static EncryptionKeyRing Parse(ReadOnlySpan<byte> json, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        const string Advice = "A key file is JSON as `cm hosts keygen` writes it: {\"format\":\"cloud-manager-keys\",\"version\":1,\"keys\":[{\"id\":\"16 hex digits\",\"key\":\"32 bytes in base64\"}]}.";
        KeyFileDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, KeyJson.Default.KeyFileDocument);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{Capitalised(source)} is not a valid key file ({e.Message}). {Advice}", e);
        }

        string? problem = document switch
        {
            null => "is empty (JSON null)",
            { Format: not FormatName } => $"has format '{document.Format}', not '{FormatName}'",
            { Version: not FormatVersion } => $"has version {document.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"}; this program reads version {FormatVersion}",
            { Keys: null or [] } => "holds no keys",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException($"{Capitalised(source)} {problem}. {Advice}");
        }

        var keys = new List<EncryptionKey>();
        foreach (var (entry, index) in document!.Keys!.Select((k, i) => (k, i)))
        {
            if (entry?.Id is not { } id || !EncryptionKey.IsValidId(id))
            {
                throw new ArgumentException($"{Capitalised(source)}: keys[{index}] has id '{entry?.Id}', not 16 lower-case hex digits. {Advice}");
            }

            byte[] secret;
            try
            {
                secret = Convert.FromBase64String(entry.Key ?? "");
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"{Capitalised(source)}: key '{id}' is not base64. {Advice}", e);
            }

            if (secret.Length != EncryptionKey.SecretLength)
            {
                throw new ArgumentException($"{Capitalised(source)}: key '{id}' is {secret.Length} bytes, not {EncryptionKey.SecretLength}. {Advice}");
            }

            keys.Add(new EncryptionKey(id, secret));
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }

        try
        {
            return new EncryptionKeyRing(keys);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Capitalised(source)}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes a new key file holding one new random key, readable and writable by its owner only
    /// (mode 0600, set when the file is created, before the key is written); never replaces a file.
    /// </summary>
    /// <returns>The new key's id.</returns>
    /// <exception cref="IOException">Something already exists at <paramref name="path"/>, or the file cannot be written.</exception>
    public static string WriteNewKeyFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(EncryptionKey.SecretLength);
        var document = new KeyFileDocument(FormatName, FormatVersion, [new KeyEntry(id, Convert.ToBase64String(secret))]);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            JsonSerializer.Serialize(stream, document, KeyJson.Default.KeyFileDocument);
            stream.WriteByte((byte)'\n');
            stream.Flush(flushToDisk: true);
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        return id;
    }

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    internal sealed record KeyFileDocument(string? Format, int? Version, IReadOnlyList<KeyEntry?>? Keys);

    internal sealed record KeyEntry(string? Id, string? Key);

    /// <summary>The key file's JSON; unknown and duplicate fields are errors.</summary>
    [JsonSourceGenerationOptions(
        PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false)]
    [JsonSerializable(typeof(KeyFileDocument))]
    internal sealed partial class KeyJson : JsonSerializerContext;
}
