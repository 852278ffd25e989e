using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace CloudManager.Exchange;

/// <summary>
/// Reads payload records in one forward pass over their UTF-8 JSON: each field's value is taken as
/// the reader meets it, and the record is checked, field by field in a fixed order, when its object
/// ends. As with a parsed tree, a property given twice counts with its last value and unknown
/// properties are ignored.
/// </summary>
/// <remarks>
/// Why not a parsed tree: a sync document of 100,000 records is about 50 MB, and a tree of it plus
/// one string per field (the version, the hash, the date, every host name) kept the runtime's
/// collector busy for a good part of an import. Here the hash and a date given as digits are read
/// from the bytes, the version and the host names come from short tables, and nothing outlives its
/// record but the payload itself. One instance reads one document at a time (it reuses its scratch
/// state from record to record).
/// </remarks>
internal sealed class PayloadReader
{
    /// <summary>Host names remembered as strings; a document names a handful of hosts over and over.</summary>
    private const int MaxRememberedHostNames = 32;

    private readonly RecordFields _fields = new();
    private readonly List<(byte[] Utf8, string Text)> _hostNames = [];
    private readonly List<UploadLink> _links = [];

    private enum Field
    {
        Other,
        Version,
        FileHash,
        FileSize,
        DateTime,
        FileName,
        Uploads,
    }

    /// <summary>What a string value may be read as without decoding it to a string.</summary>
    private enum StringForm
    {
        Text,
        Version,
        Hash,
        Integer,
        HostName,
    }

    /// <summary>
    /// When set, a record whose file name is not acceptable (<see cref="PayloadJson.CheckFileName"/>) is
    /// read anyway and the problem left in <see cref="NameProblem"/>, for the caller to refuse that record
    /// alone; when clear, it is an <see cref="InvalidPayloadException"/>.
    /// </summary>
    public bool CollectNameProblems { get; init; }

    /// <summary>What is wrong with the last record's file name, when <see cref="CollectNameProblems"/> is set; else null.</summary>
    public string? NameProblem { get; private set; }

    /// <summary>Reads one record whose first token is the reader's current one; leaves the reader on its last token.</summary>
    /// <param name="reader">The reader, on the record's first token.</param>
    /// <param name="index">The record's index in its document, for error messages.</param>
    /// <exception cref="InvalidPayloadException">The record is not valid.</exception>
    /// <exception cref="JsonException">The JSON text itself is not well-formed.</exception>
    public FilePayload ReadRecord(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            var found = reader.TokenType;
            Skip(ref reader);
            throw new InvalidPayloadException(index, null, $"expected a JSON object, found {Describe(found)}.");
        }

        var fields = _fields;
        fields.Clear();
        NameProblem = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = RecordField(ref reader, fields);
            reader.Read();
            switch (field)
            {
                case Field.Version:
                    fields.Version = ReadValue(ref reader, StringForm.Version);
                    break;
                case Field.FileHash:
                    fields.FileHash = ReadValue(ref reader, StringForm.Hash);
                    break;
                case Field.FileSize:
                    fields.FileSize = ReadValue(ref reader, StringForm.Integer);
                    break;
                case Field.DateTime:
                    fields.DateTime = ReadValue(ref reader, StringForm.Integer);
                    break;
                case Field.FileName:
                    fields.FileName = ReadValue(ref reader, StringForm.Text);
                    break;
                case Field.Uploads:
                    ReadUploads(ref reader, fields);
                    break;
                default:
                    Skip(ref reader);
                    break;
            }
        }

        return Validate(fields, index);
    }

    private static Field RecordField(ref Utf8JsonReader reader, RecordFields fields)
    {
        if (!HasValidName(ref reader, fields))
        {
            return Field.Other;
        }

        return reader.ValueTextEquals("version"u8) ? Field.Version
            : reader.ValueTextEquals("filehash"u8) ? Field.FileHash
            : reader.ValueTextEquals("filesize"u8) ? Field.FileSize
            : reader.ValueTextEquals("datetime"u8) ? Field.DateTime
            : reader.ValueTextEquals("filename"u8) ? Field.FileName
            : reader.ValueTextEquals("uploads"u8) ? Field.Uploads
            : Field.Other;
    }

    /// <summary>
    /// Whether the current property name decodes; one that holds an escaped unpaired surrogate
    /// ("\ud800filehash") is remembered, and the record is refused for it before any field is checked.
    /// </summary>
    private static bool HasValidName(ref Utf8JsonReader reader, RecordFields fields)
    {
        if (!reader.ValueIsEscaped)
        {
            return true;
        }

        try
        {
            reader.GetString();
            return true;
        }
        catch (InvalidOperationException e)
        {
            fields.NameError ??= e;
            return false;
        }
    }

    private void ReadUploads(ref Utf8JsonReader reader, RecordFields fields)
    {
        fields.UploadsToken = reader.TokenType;
        fields.UploadCount = 0;
        fields.Uploads.Clear();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            Skip(ref reader);
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            // Past the limit the list is refused whole: the entries are only counted.
            if (++fields.UploadCount > PayloadJson.MaxUploads)
            {
                Skip(ref reader);
                continue;
            }

            var entry = new UploadEntry { Token = reader.TokenType };
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Skip(ref reader);
                fields.Uploads.Add(entry);
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var valid = HasValidName(ref reader, fields);
                var isHost = valid && reader.ValueTextEquals("host_name"u8);
                var isUrl = valid && !isHost && reader.ValueTextEquals("url"u8);
                var isError = valid && !isHost && !isUrl && reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isHost)
                {
                    entry.Host = ReadValue(ref reader, StringForm.HostName);
                }
                else if (isUrl)
                {
                    entry.Url = ReadValue(ref reader, StringForm.Text);
                }
                else
                {
                    if (isError)
                    {
                        entry.IsError = reader.TokenType == JsonTokenType.True;
                    }

                    Skip(ref reader);
                }
            }

            fields.Uploads.Add(entry);
        }
    }

    /// <summary>Takes the current value: its token, and for a string or a number what the checks need.</summary>
    private Value ReadValue(ref Utf8JsonReader reader, StringForm form)
    {
        var value = new Value { Token = reader.TokenType };
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (!reader.ValueIsEscaped && !reader.HasValueSequence && TryReadPlain(reader.ValueSpan, form, ref value))
                {
                    break;
                }

                try
                {
                    value.Text = reader.GetString();
                }
                catch (InvalidOperationException e)
                {
                    value.EscapeError = e;
                }

                if (form == StringForm.HostName && value.Text is not null && !reader.ValueIsEscaped && !reader.HasValueSequence)
                {
                    RememberHostName(reader.ValueSpan, value.Text);
                }

                break;
            case JsonTokenType.Number:
                value.IsInteger = reader.TryGetInt64(out value.Integer);
                break;
            default:
                Skip(ref reader);
                break;
        }

        return value;
    }

    /// <summary>The common cases read straight from an unescaped string's bytes; false leaves the value to be decoded.</summary>
    private bool TryReadPlain(ReadOnlySpan<byte> utf8, StringForm form, ref Value value)
    {
        switch (form)
        {
            case StringForm.Version when utf8.SequenceEqual("0.2"u8):
                value.Text = "0.2";
                return true;
            case StringForm.Version when utf8.SequenceEqual("0.1"u8):
                value.Text = "0.1";
                return true;
            case StringForm.Hash when ContentHash.TryParseUtf8(utf8, out value.Hash):
                value.IsHash = true;
                return true;
            case StringForm.Integer when utf8.Length is > 0 and <= 20
                && !utf8.ContainsAnyExceptInRange((byte)'0', (byte)'9')
                && Utf8Parser.TryParse(utf8, out value.Integer, out var consumed)
                && consumed == utf8.Length:
                value.IsInteger = true;
                return true;
            case StringForm.HostName:
                foreach (var (known, text) in _hostNames)
                {
                    if (utf8.SequenceEqual(known))
                    {
                        value.Text = text;
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private void RememberHostName(ReadOnlySpan<byte> utf8, string text)
    {
        if (_hostNames.Count < MaxRememberedHostNames && utf8.Length <= PayloadJson.MaxHostNameLength)
        {
            _hostNames.Add((utf8.ToArray(), text));
        }
    }

    private FilePayload Validate(RecordFields fields, int index)
    {
        if (fields.NameError is { } nameError)
        {
            throw new InvalidPayloadException(index, null, "a property name holds an invalid escape (an unpaired UTF-16 surrogate).", nameError);
        }

        var version = RequiredString(fields.Version, index, "version", 16);
        if (version is not ("0.1" or "0.2"))
        {
            throw new InvalidPayloadException(index, "version", $"unknown payload version '{version}'; this node reads 0.1 and 0.2.");
        }

        ContentHash hash;
        if (fields.FileHash.IsHash)
        {
            hash = fields.FileHash.Hash;
        }
        else if (!ContentHash.TryParse(RequiredString(fields.FileHash, index, "filehash", ContentHash.HexLength + 1), out hash))
        {
            throw new InvalidPayloadException(index, "filehash", "expected 64 hexadecimal digits (a SHA-256).");
        }

        var size = Integer(fields.FileSize, index, "filesize", 0, PayloadJson.MaxFileSize);
        var seconds = Integer(fields.DateTime, index, "datetime", 0, PayloadJson.MaxUnixSeconds);
        string name;
        if (version == "0.1")
        {
            // 0.1 had no file name; the 2014 code named such files after the hash's first 10 digits.
            name = fields.FileName.Token == JsonTokenType.String
                ? ValidFileName(Text(fields.FileName, index, "filename"), index)
                : hash.ToString()[..10];
        }
        else
        {
            name = ValidFileName(RequiredString(fields.FileName, index, "filename", 4 * PayloadJson.MaxFileNameBytes), index);
        }

        var uploads = ValidUploads(fields, index);
        return new FilePayload(hash, size, name, DateTimeOffset.FromUnixTimeSeconds(seconds), uploads, version);
    }

    private UploadLink[] ValidUploads(RecordFields fields, int index)
    {
        if (fields.UploadsToken == JsonTokenType.None)
        {
            throw new InvalidPayloadException(index, "uploads", "the field is missing.");
        }

        if (fields.UploadsToken != JsonTokenType.StartArray)
        {
            throw new InvalidPayloadException(index, "uploads", $"expected an array, found {Describe(fields.UploadsToken)}.");
        }

        if (fields.UploadCount > PayloadJson.MaxUploads)
        {
            throw new InvalidPayloadException(index, "uploads", $"{fields.UploadCount} entries; at most {PayloadJson.MaxUploads} are allowed.");
        }

        var links = _links;
        links.Clear();
        for (var position = 0; position < fields.Uploads.Count; position++)
        {
            var entry = fields.Uploads[position];
            if (entry.Token != JsonTokenType.StartObject)
            {
                throw new InvalidPayloadException(index, UploadField(position, ""), $"expected an object, found {Describe(entry.Token)}.");
            }

            var host = RequiredString(entry.Host, index, "host_name", PayloadJson.MaxHostNameLength, position);
            if (!PayloadJson.IsPrintable(host))
            {
                throw new InvalidPayloadException(index, UploadField(position, ".host_name"), "a host name must be non-empty printable text.");
            }

            string? url = null;
            if (!entry.IsError)
            {
                url = RequiredString(entry.Url, index, "url", PayloadJson.MaxUrlLength, position);
                if (!PayloadJson.IsPrintable(url))
                {
                    throw new InvalidPayloadException(index, UploadField(position, ".url"), "a URL must be non-empty printable text.");
                }
            }

            // Several entries for one host: the first copy wins; a later error does not hide it.
            var existing = IndexOfHost(links, host);
            if (existing < 0)
            {
                links.Add(new UploadLink(host, url));
            }
            else if (url is not null && links[existing].IsError)
            {
                links[existing] = new UploadLink(host, url);
            }
        }

        return [.. links];
    }

    private static int IndexOfHost(List<UploadLink> links, string host)
    {
        for (var i = 0; i < links.Count; i++)
        {
            if (string.Equals(links[i].HostName, host, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private string ValidFileName(string name, int index)
    {
        if (PayloadJson.CheckFileName(name) is not { } problem)
        {
            return name;
        }

        if (!CollectNameProblems)
        {
            throw new InvalidPayloadException(index, "filename", problem);
        }

        NameProblem = problem;
        return name;
    }

    // The name of a field of an upload entry, built only for an error message.
    private static string UploadField(int position, string suffix) => string.Create(CultureInfo.InvariantCulture, $"uploads[{position}]{suffix}");

    private static string RequiredString(in Value value, int index, string name, int maxLength, int uploadPosition = -1)
    {
        // The field's name is built only when there is an error to report.
        string Field() => uploadPosition < 0 ? name : UploadField(uploadPosition, "." + name);
        if (value.Token == JsonTokenType.None)
        {
            throw new InvalidPayloadException(index, Field(), "the field is missing.");
        }

        if (value.Token != JsonTokenType.String)
        {
            throw new InvalidPayloadException(index, Field(), $"expected a string, found {Describe(value.Token)}.");
        }

        if (value.EscapeError is { } e)
        {
            throw InvalidEscape(index, Field(), e);
        }

        var text = value.Text!;
        if (text.Length > maxLength)
        {
            throw new InvalidPayloadException(index, Field(), $"{text.Length} characters; at most {maxLength} are allowed.");
        }

        return text;
    }

    private static string Text(in Value value, int index, string field) =>
        value.EscapeError is { } e ? throw InvalidEscape(index, field, e) : value.Text!;

    private static InvalidPayloadException InvalidEscape(int index, string field, InvalidOperationException e) =>
        new(index, field, "the string holds an invalid escape (an unpaired UTF-16 surrogate).", e);

    private static long Integer(in Value value, int index, string name, long min, long max)
    {
        long number;
        switch (value.Token)
        {
            case JsonTokenType.None:
                throw new InvalidPayloadException(index, name, "the field is missing.");
            case JsonTokenType.Number or JsonTokenType.String when value.IsInteger:
                number = value.Integer;
                break;
            case JsonTokenType.String when Text(value, index, name) is { Length: > 0 and <= 20 } text
                && text.All(char.IsAsciiDigit)
                && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number):
                break;
            case JsonTokenType.Number or JsonTokenType.String:
                throw new InvalidPayloadException(index, name, $"expected a whole number from {min} to {max}.");
            default:
                throw new InvalidPayloadException(index, name, $"expected a number or a string of digits, found {Describe(value.Token)}.");
        }

        if (number < min || number > max)
        {
            throw new InvalidPayloadException(index, name, $"{number} is out of range; expected {min} to {max}.");
        }

        return number;
    }

    /// <summary>Moves past the current value (to the end of an object or array; nothing for a scalar).</summary>
    internal static void Skip(ref Utf8JsonReader reader)
    {
        // Only a reader over part of a text can come up short, and a converter's reader holds the whole value.
        if (!reader.TrySkip())
        {
            throw new JsonException("The JSON value ends before it is complete.");
        }
    }

    /// <summary>
    /// The error to report for an invalid record: the record's own, unless the text after it is not
    /// well-formed JSON, which is then reported instead (the document as a whole is unreadable).
    /// </summary>
    internal static InvalidPayloadException AfterTheRest(ref Utf8JsonReader reader, InvalidPayloadException error)
    {
        try
        {
            while (reader.Read())
            {
            }

            return error;
        }
        catch (JsonException e)
        {
            return NotWellFormed(e);
        }
    }

    /// <summary>The error for a text that is not well-formed JSON.</summary>
    internal static InvalidPayloadException NotWellFormed(JsonException e) => new(-1, null, $"not well-formed JSON ({e.Message})", e);

    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => "nothing",
    };

    /// <summary>One field's value as read: <see cref="JsonTokenType.None"/> when the record has no such field.</summary>
    private struct Value
    {
        public JsonTokenType Token;

        /// <summary>A string value, decoded (unless read as a hash or a number).</summary>
        public string? Text;

        /// <summary>Why a string value could not be decoded.</summary>
        public InvalidOperationException? EscapeError;

        /// <summary>A whole number, given as a number or as a string of digits.</summary>
        public long Integer;

        public bool IsInteger;

        /// <summary>A hash read straight from the string's bytes.</summary>
        public ContentHash Hash;

        public bool IsHash;
    }

    private struct UploadEntry
    {
        public JsonTokenType Token;
        public Value Host;
        public Value Url;
        public bool IsError;
    }

    /// <summary>The fields of the record being read, reused from record to record.</summary>
    private sealed class RecordFields
    {
        public Value Version;
        public Value FileHash;
        public Value FileSize;
        public Value DateTime;
        public Value FileName;
        public JsonTokenType UploadsToken;
        public int UploadCount;
        public InvalidOperationException? NameError;

        public List<UploadEntry> Uploads { get; } = [];

        public void Clear()
        {
            Version = FileHash = FileSize = DateTime = FileName = default;
            UploadsToken = JsonTokenType.None;
            UploadCount = 0;
            NameError = null;
            Uploads.Clear();
        }
    }
}
