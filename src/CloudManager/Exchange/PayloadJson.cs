using System.Globalization;
using System.Runtime.InteropServices;
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
    internal const long MaxUnixSeconds = 253_402_300_799;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    // Refuses an unpaired surrogate instead of writing a replacement character.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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
        return ReadDocument(json, rejectBadNames: false).Records;
    }

    /// <summary>As <see cref="ParseArray(string)"/>; with <paramref name="rejectBadNames"/>, records whose only fault is their file name are listed apart.</summary>
    internal static PayloadDocument ReadDocument(string json, bool rejectBadNames) => PayloadDocument.Read(ToUtf8(json), rejectBadNames);

    /// <summary>As <see cref="ParseArray(ReadOnlyMemory{byte})"/>; with <paramref name="rejectBadNames"/>, records whose only fault is their file name are listed apart.</summary>
    internal static PayloadDocument ReadDocument(ReadOnlyMemory<byte> utf8Json, bool rejectBadNames)
    {
        var bytes = utf8Json.Span;
        if (bytes.StartsWith(Utf8ByteOrderMark))
        {
            bytes = bytes[Utf8ByteOrderMark.Length..];
        }

        // The JSON reader does not check the bytes inside strings; a damaged byte must not become a name.
        if (!Utf8.IsValid(bytes))
        {
            throw new InvalidPayloadException(-1, null, "not valid UTF-8 text: it holds a damaged byte, or it was saved in another encoding.");
        }

        return PayloadDocument.Read(bytes, rejectBadNames);
    }

    /// <summary>
    /// Parses a sync document given as UTF-8 bytes (a leading byte-order mark is ignored), without
    /// decoding it to a string first; otherwise as <see cref="ParseArray(string)"/>.
    /// </summary>
    /// <exception cref="InvalidPayloadException">The bytes are not UTF-8, or the document or one of its records is not valid.</exception>
    public static IReadOnlyList<FilePayload> ParseArray(ReadOnlyMemory<byte> utf8Json) => ReadDocument(utf8Json, rejectBadNames: false).Records;

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>Parses and validates one payload object.</summary>
    /// <exception cref="InvalidPayloadException">The record is not valid.</exception>
    public static FilePayload ParseRecord(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new Utf8JsonReader(ToUtf8(json), new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            reader.Read();
            FilePayload record;
            try
            {
                record = new PayloadReader().ReadRecord(ref reader, 0);
            }
            catch (InvalidPayloadException e)
            {
                throw PayloadReader.AfterTheRest(ref reader, e);
            }

            // Only white space may follow the record; the reader throws on anything else.
            reader.Read();
            return record;
        }
        catch (JsonException e)
        {
            throw PayloadReader.NotWellFormed(e);
        }
    }

    /// <summary>Reads and validates one payload from a parsed element.</summary>
    /// <param name="element">The record.</param>
    /// <param name="index">Its index in the document, for error messages.</param>
    /// <exception cref="InvalidPayloadException">The record is not valid.</exception>
    public static FilePayload ReadRecord(JsonElement element, int index)
    {
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(element), new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            reader.Read();
            return new PayloadReader().ReadRecord(ref reader, index);
        }
        catch (JsonException e)
        {
            throw new InvalidPayloadException(index, null, $"not well-formed JSON ({e.Message})", e);
        }
    }

    /// <summary>Reads and validates one payload from a reader on its first token (a converter's), leaving the reader on its last.</summary>
    /// <exception cref="InvalidPayloadException">The record is not valid.</exception>
    internal static FilePayload ReadRecord(ref Utf8JsonReader reader) => new PayloadReader().ReadRecord(ref reader, 0);

    private static byte[] ToUtf8(string json)
    {
        try
        {
            return StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException e)
        {
            throw new InvalidPayloadException(-1, null,
                string.Create(CultureInfo.InvariantCulture, $"not valid UTF-16 text: an unpaired surrogate (U+{(int)e.CharUnknown:X4}) at character {e.Index}."), e);
        }
    }

    /// <summary>
    /// Checks that a file name is a plain base name: not empty, not <c>.</c> or <c>..</c>, no path
    /// separators, no character <see cref="FileNames.IsForbidden"/> refuses (control and format
    /// characters such as bidirectional overrides and zero-width characters, line and paragraph
    /// separators, unpaired surrogates, filler letters), at most 255 UTF-8 bytes.
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

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            return "a file name may not contain '/' or '\\': it must be a plain base name.";
        }

        if (FileNames.FindForbidden(name) is { } forbidden)
        {
            return $"the file name '{FileNames.ForDisplay(name)}' holds {forbidden}: names may not hold control, format (bidirectional, zero-width), separator or other invisible characters.";
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > MaxFileNameBytes ? $"the file name is {bytes} UTF-8 bytes long; at most {MaxFileNameBytes} are allowed." : null;
    }

    internal static bool HasValidSurrogates(string text)
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

    /// <summary>Non-empty, no control characters (C0, DEL, C1), no unpaired surrogates.</summary>
    internal static bool IsPrintable(string text)
    {
        var span = text.AsSpan();
        return span.Length > 0
            && span.IndexOfAnyInRange('\u0000', '\u001F') < 0
            && span.IndexOfAnyInRange('\u007F', '\u009F') < 0
            && (span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0 || HasValidSurrogates(text));
    }
}
