using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace CloudManager.Exchange;

/// <summary>Reads and writes payload JSON, validating every field of what it reads.</summary>
public static class PayloadJson
{
    /// <summary>The version this implementation writes.</summary>
    public const string CurrentVersion = "0.2";

    /// <summary>Largest file size accepted: 2^53, the largest integer every JSON reader keeps exactly.</summary>
    public const long MaxFileSize = 1L << 53;

    /// <summary>Longest file name, in UTF-8 bytes (the common file-system limit).</summary>
    public const int MaxFileNameBytes = 255;

    /// <summary>Longest host name, in characters.</summary>
    public const int MaxHostNameLength = 128;

    /// <summary>Longest URL (locator), in characters.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>Most entries in one payload's <c>uploads</c>.</summary>
    public const int MaxUploads = 64;

    /// <summary>Deepest nesting accepted in a sync document.</summary>
    public const int MaxDepth = 8;

    /// <summary>Latest accepted <c>datetime</c>: the end of year 9999.</summary>
    private const long MaxUnixSeconds = 253_402_300_799;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    /// <summary>Writes one payload as JSON text.</summary>
    public static string Serialize(FilePayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, payload);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes a JSON array of payloads.</summary>
    public static string SerializeArray(IEnumerable<FilePayload> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var payload in payloads)
            {
                Write(writer, payload);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The UTF-8 length of one payload's JSON, as it appears inside an array.</summary>
    public static int Utf8Length(FilePayload payload) => Encoding.UTF8.GetByteCount(Serialize(payload));

    /// <summary>Writes one payload to a JSON writer.</summary>
    public static void Write(Utf8JsonWriter writer, FilePayload payload)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(payload);
        writer.WriteStartObject();
        writer.WriteString("version", CurrentVersion);
        writer.WriteString("datetime", payload.DateTime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        writer.WriteString("filename", payload.FileName);
        writer.WriteNumber("filesize", payload.FileSize);
        writer.WriteString("filehash", payload.FileHash.ToString());
        writer.WriteStartArray("uploads");
        foreach (var upload in payload.Uploads)
        {
            writer.WriteStartObject();
            writer.WriteString("host_name", upload.HostName);
            if (upload.Url is { } url)
            {
                writer.WriteString("url", url);
            }
            else
            {
                writer.WriteBoolean("error", true);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Parses a sync document: a JSON array of payloads (versions 0.1 and 0.2). Every field is
    /// validated; the first problem is reported with the record's index and the field's name.
    /// </summary>
    /// <exception cref="InvalidPayloadException">The document or one of its records is not valid.</exception>
    public static IReadOnlyList<FilePayload> ParseArray(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new InvalidPayloadException(-1, null, $"not well-formed JSON ({e.Message})", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidPayloadException(-1, null, $"not valid UTF-16 text ({e.Message})", e);
        }

        return ReadArray(document);
    }

    /// <summary>
    /// Parses a sync document given as UTF-8 bytes (a leading byte-order mark is ignored), without
    /// decoding it to a string first; otherwise as <see cref="ParseArray(string)"/>.
    /// </summary>
    /// <exception cref="InvalidPayloadException">The bytes are not UTF-8, or the document or one of its records is not valid.</exception>
    public static IReadOnlyList<FilePayload> ParseArray(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Span.StartsWith(Utf8ByteOrderMark))
        {
            utf8Json = utf8Json[Utf8ByteOrderMark.Length..];
        }

        // The JSON reader does not check the bytes inside strings; a damaged byte must not become a name.
        if (!Utf8.IsValid(utf8Json.Span))
        {
            throw new InvalidPayloadException(-1, null, "not valid UTF-8 text: it holds a damaged byte, or it was saved in another encoding.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new InvalidPayloadException(-1, null, $"not well-formed JSON ({e.Message})", e);
        }

        return ReadArray(document);
    }

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static List<FilePayload> ReadArray(JsonDocument document)
    {
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidPayloadException(-1, null, $"expected a JSON array of file records, found {Describe(document.RootElement.ValueKind)}.");
            }

            var records = new List<FilePayload>(document.RootElement.GetArrayLength());
            var sizes = new Dictionary<ContentHash, long>();
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var record = ReadRecord(element, index);
                if (sizes.TryGetValue(record.FileHash, out var knownSize) && knownSize != record.FileSize)
                {
                    throw new InvalidPayloadException(index, "filesize", $"file {record.FileHash} appears earlier with size {knownSize}, here with {record.FileSize}.");
                }

                sizes[record.FileHash] = record.FileSize;
                records.Add(record);
                index++;
            }

            return records;
        }
    }

    /// <summary>Parses and validates one payload object.</summary>
    /// <exception cref="InvalidPayloadException">The record is not valid.</exception>
    public static FilePayload ParseRecord(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
            return ReadRecord(document.RootElement, 0);
        }
        catch (JsonException e)
        {
            throw new InvalidPayloadException(-1, null, $"not well-formed JSON ({e.Message})", e);
        }
    }

    /// <summary>Reads and validates one payload from a parsed element.</summary>
    /// <param name="element">The record.</param>
    /// <param name="index">Its index in the document, for error messages.</param>
    /// <exception cref="InvalidPayloadException">The record is not valid.</exception>
    public static FilePayload ReadRecord(JsonElement element, int index)
    {
        try
        {
            return ReadValidRecord(element, index);
        }
        catch (InvalidOperationException e)
        {
            // A property name with an escaped unpaired surrogate ("\ud800filehash") makes every
            // property lookup on its object throw, before any field's own check can see it.
            throw new InvalidPayloadException(index, null, "a property name holds an invalid escape (an unpaired UTF-16 surrogate).", e);
        }
    }

    private static FilePayload ReadValidRecord(JsonElement element, int index)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidPayloadException(index, null, $"expected a JSON object, found {Describe(element.ValueKind)}.");
        }

        var version = RequiredString(element, index, "version", 16);
        if (version is not ("0.1" or "0.2"))
        {
            throw new InvalidPayloadException(index, "version", $"unknown payload version '{version}'; this node reads 0.1 and 0.2.");
        }

        var hashText = RequiredString(element, index, "filehash", ContentHash.HexLength + 1);
        if (!ContentHash.TryParse(hashText, out var hash))
        {
            throw new InvalidPayloadException(index, "filehash", "expected 64 hexadecimal digits (a SHA-256).");
        }

        var size = ReadInteger(element, index, "filesize", 0, MaxFileSize);
        var seconds = ReadInteger(element, index, "datetime", 0, MaxUnixSeconds);
        string name;
        if (version == "0.1")
        {
            // 0.1 had no file name; the 2014 code named such files after the hash's first 10 digits.
            name = element.TryGetProperty("filename", out var legacyName) && legacyName.ValueKind == JsonValueKind.String
                ? ValidateFileName(ReadText(legacyName, index, "filename"), index)
                : hash.ToString()[..10];
        }
        else
        {
            name = ValidateFileName(RequiredString(element, index, "filename", 4 * MaxFileNameBytes), index);
        }

        var uploads = ReadUploads(element, index);
        return new FilePayload(hash, size, name, DateTimeOffset.FromUnixTimeSeconds(seconds), uploads, version);
    }

    /// <summary>
    /// Checks that a file name is a plain base name: not empty, not <c>.</c> or <c>..</c>, no path
    /// separators, no control characters, at most 255 UTF-8 bytes.
    /// </summary>
    /// <returns>The problem, or null when the name is acceptable.</returns>
    public static string? CheckFileName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "the file name is empty.";
        }

        if (name is "." or "..")
        {
            return $"'{name}' is not a file name.";
        }

        foreach (var c in name)
        {
            if (c is '/' or '\\')
            {
                return "a file name may not contain '/' or '\\': it must be a plain base name.";
            }

            if (char.IsControl(c))
            {
                return $"the file name contains the control character U+{(int)c:X4}.";
            }

            if (char.IsSurrogate(c) && !HasValidSurrogates(name))
            {
                return "the file name contains an unpaired UTF-16 surrogate.";
            }
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > MaxFileNameBytes ? $"the file name is {bytes} UTF-8 bytes long; at most {MaxFileNameBytes} are allowed." : null;
    }

    private static string ValidateFileName(string name, int index) =>
        CheckFileName(name) is { } problem ? throw new InvalidPayloadException(index, "filename", problem) : name;

    private static bool HasValidSurrogates(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static List<UploadLink> ReadUploads(JsonElement element, int index)
    {
        if (!element.TryGetProperty("uploads", out var uploads))
        {
            throw new InvalidPayloadException(index, "uploads", "the field is missing.");
        }

        if (uploads.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidPayloadException(index, "uploads", $"expected an array, found {Describe(uploads.ValueKind)}.");
        }

        var count = uploads.GetArrayLength();
        if (count > MaxUploads)
        {
            throw new InvalidPayloadException(index, "uploads", $"{count} entries; at most {MaxUploads} are allowed.");
        }

        var links = new List<UploadLink>(count);
        var hosts = new HashSet<string>(StringComparer.Ordinal);
        var position = 0;
        foreach (var upload in uploads.EnumerateArray())
        {
            if (upload.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidPayloadException(index, UploadField(position, ""), $"expected an object, found {Describe(upload.ValueKind)}.");
            }

            var host = RequiredString(upload, index, "host_name", MaxHostNameLength, position);
            if (!IsPrintable(host))
            {
                throw new InvalidPayloadException(index, UploadField(position, ".host_name"), "a host name must be non-empty printable text.");
            }

            var isError = upload.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.True;
            string? url = null;
            if (!isError)
            {
                url = RequiredString(upload, index, "url", MaxUrlLength, position);
                if (!IsPrintable(url))
                {
                    throw new InvalidPayloadException(index, UploadField(position, ".url"), "a URL must be non-empty printable text.");
                }
            }

            // Several entries for one host: the first copy wins; a later error does not hide it.
            if (hosts.Add(host))
            {
                links.Add(new UploadLink(host, url));
            }
            else if (url is not null)
            {
                var existing = links.FindIndex(l => l.HostName == host);
                if (links[existing].IsError)
                {
                    links[existing] = new UploadLink(host, url);
                }
            }

            position++;
        }

        return links;
    }

    /// <summary>Non-empty, no control characters (C0, DEL, C1), no unpaired surrogates.</summary>
    private static bool IsPrintable(string text)
    {
        var span = text.AsSpan();
        return span.Length > 0
            && span.IndexOfAnyInRange('\u0000', '\u001F') < 0
            && span.IndexOfAnyInRange('\u007F', '\u009F') < 0
            && (span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0 || HasValidSurrogates(text));
    }

    // The name of a field of an upload entry, built only for an error message.
    private static string UploadField(int position, string suffix) => string.Create(CultureInfo.InvariantCulture, $"uploads[{position}]{suffix}");

    private static string RequiredString(JsonElement element, int index, string name, int maxLength, int uploadPosition = -1)
    {
        // The field's name is built only when there is an error to report.
        string Field() => uploadPosition < 0 ? name : UploadField(uploadPosition, "." + name);
        if (!element.TryGetProperty(name, out var value))
        {
            throw new InvalidPayloadException(index, Field(), "the field is missing.");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new InvalidPayloadException(index, Field(), $"expected a string, found {Describe(value.ValueKind)}.");
        }

        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw InvalidEscape(index, Field(), e);
        }

        if (text.Length > maxLength)
        {
            throw new InvalidPayloadException(index, Field(), $"{text.Length} characters; at most {maxLength} are allowed.");
        }

        return text;
    }

    private static string ReadText(JsonElement value, int index, string field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw InvalidEscape(index, field, e);
        }
    }

    private static InvalidPayloadException InvalidEscape(int index, string field, InvalidOperationException e) =>
        new(index, field, "the string holds an invalid escape (an unpaired UTF-16 surrogate).", e);

    private static long ReadInteger(JsonElement element, int index, string name, long min, long max)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            throw new InvalidPayloadException(index, name, "the field is missing.");
        }

        long number;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetInt64(out number):
                break;
            case JsonValueKind.String when ReadText(value, index, name) is { Length: > 0 and <= 20 } text
                && text.All(char.IsAsciiDigit)
                && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number):
                break;
            case JsonValueKind.Number or JsonValueKind.String:
                throw new InvalidPayloadException(index, name, $"expected a whole number from {min} to {max}.");
            default:
                throw new InvalidPayloadException(index, name, $"expected a number or a string of digits, found {Describe(value.ValueKind)}.");
        }

        if (number < min || number > max)
        {
            throw new InvalidPayloadException(index, name, $"{number} is out of range; expected {min} to {max}.");
        }

        return number;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
