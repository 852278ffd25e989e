using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudManager.Exchange;

namespace CloudManager.Journal;

/// <summary>
/// A journal segment: JSON lines, UTF-8. The first line is the header
/// <c>{"format":"cloud-manager-journal","version":1,"node":"…","host":"…","sequence":N,"written":MS}</c>;
/// each further line is <c>{"op":"add","at":MS,"record":{v0.2 payload}}</c> (the payload's
/// <c>filehash</c>, <c>filesize</c>, <c>filename</c>, <c>datetime</c> and an <c>uploads</c> entry for the
/// host) or <c>{"op":"delete","at":MS,"filehash":"…","filesize":N}</c>. Times are Unix milliseconds.
/// </summary>
/// <remarks>
/// Reading trusts nothing: a segment larger than <see cref="MaxBytes"/>, or whose header is missing or
/// not this format, is refused whole; a line longer than <see cref="MaxLineBytes"/>, not JSON, or whose
/// record the payload rules refuse (a bad name, a bad hash, a size out of range) is refused alone, and
/// every refusal is reported.
/// </remarks>
public static class JournalSegment
{
    /// <summary>The header's <c>format</c>.</summary>
    public const string Format = "cloud-manager-journal";

    /// <summary>The version written and read.</summary>
    public const int Version = 1;

    /// <summary>The largest segment read; larger ones are refused whole.</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>The longest line read.</summary>
    public const int MaxLineBytes = 16 << 10;

    /// <summary>The most lines a writer puts in one segment.</summary>
    public const int MaxEntries = 20_000;

    /// <summary>The folder of the journals among a host's metadata objects.</summary>
    public const string Folder = "journal";

    /// <summary>
    /// The name of a new segment: <c>journal/NODE/yyyyMMddTHHmmssfffZ-SEQUENCE-RANDOM.jsonl</c>, which
    /// sorts by time within a node's folder. NODE is the node id when it is a plain name, else a digest of it.
    /// </summary>
    public static string NameFor(string nodeId, long sequence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        return $"{NodeFolder(nodeId)}/{stamp}-{sequence.ToString("D6", CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}.jsonl";
    }

    /// <summary>The folder of one node's segments: <c>journal/NODE</c>.</summary>
    public static string NodeFolder(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        var part = nodeId.Length is > 0 and <= 64 && Hosts.MetadataNames.IsValid(nodeId) && !nodeId.Contains('/', StringComparison.Ordinal)
            ? nodeId
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nodeId)))[..32];
        return $"{Folder}/{part}";
    }

    /// <summary>Writes a segment: the header, then one line per entry.</summary>
    public static byte[] Write(string nodeId, string hostId, string hostName, long sequence, DateTimeOffset written, IEnumerable<JournalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteNumber("version", Version);
            writer.WriteString("node", nodeId);
            writer.WriteString("host", hostId);
            writer.WriteNumber("sequence", sequence);
            writer.WriteNumber("written", written.ToUnixTimeMilliseconds());
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        foreach (var entry in entries)
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("op", entry.Deleted ? "delete" : "add");
                writer.WriteNumber("at", entry.At.ToUnixTimeMilliseconds());
                if (entry.Deleted)
                {
                    writer.WriteString("filehash", entry.Hash.ToString());
                    writer.WriteNumber("filesize", entry.Size);
                }
                else
                {
                    writer.WritePropertyName("record");
                    PayloadJson.Write(writer, new FilePayload(
                        entry.Hash, entry.Size, entry.Name, entry.CreatedAt, [new UploadLink(hostName, Hosts.ContentKeys.Of(entry.Hash))]));
                }

                writer.WriteEndObject();
            }

            buffer.Write("\n"u8);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a segment, at most <see cref="MaxBytes"/> of it, and returns the lines it accepts; every
    /// refused line or segment is added to <paramref name="problems"/>.
    /// </summary>
    public static async Task<IReadOnlyList<JournalEntry>> ReadAsync(
        Stream stream, string hostName, string segment, List<JournalProblem> problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(problems);
        var bytes = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (bytes.Length + read > MaxBytes)
            {
                problems.Add(new JournalProblem(hostName, segment, 0, $"the segment is larger than {MaxBytes} bytes; refused whole."));
                return [];
            }

            bytes.Write(chunk, 0, read);
        }

        return Parse(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), hostName, segment, problems);
    }

    /// <summary>Parses a whole segment's bytes (see <see cref="ReadAsync"/>).</summary>
    public static IReadOnlyList<JournalEntry> Parse(ReadOnlyMemory<byte> bytes, string hostName, string segment, List<JournalProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var entries = new List<JournalEntry>();
        var rest = bytes;
        var line = 0;
        while (rest.Length > 0)
        {
            line++;
            var end = rest.Span.IndexOf((byte)'\n');
            var text = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (line == 1)
            {
                if (HeaderProblem(text) is { } headerProblem)
                {
                    problems.Add(new JournalProblem(hostName, segment, 0, headerProblem + "; refused whole."));
                    return [];
                }

                continue;
            }

            if (text.Span.Trim(" \t\r"u8).Length == 0)
            {
                continue;
            }

            if (text.Length > MaxLineBytes)
            {
                problems.Add(new JournalProblem(hostName, segment, line, $"the line is longer than {MaxLineBytes} bytes."));
                continue;
            }

            try
            {
                entries.Add(ReadLine(text, line));
            }
            catch (Exception e) when (e is JsonException or InvalidPayloadException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
            {
                problems.Add(new JournalProblem(hostName, segment, line, e.Message));
            }
        }

        if (line == 0)
        {
            problems.Add(new JournalProblem(hostName, segment, 0, "the segment is empty; refused whole."));
        }

        return entries;
    }

    private static string? HeaderProblem(ReadOnlyMemory<byte> text)
    {
        try
        {
            using var header = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
            var root = header.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
            {
                return $"its first line is not a {Format} header";
            }

            return root.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out var v) && v == Version
                ? null
                : $"its header's version is not {Version}";
        }
        catch (JsonException e)
        {
            return $"its first line is not JSON ({e.Message})";
        }
    }

    private static JournalEntry ReadLine(ReadOnlyMemory<byte> text, int line)
    {
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = PayloadJson.MaxDepth });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the line is not a JSON object.");
        }

        var op = root.GetProperty("op").GetString();
        var atMs = root.GetProperty("at").GetInt64();
        if (atMs is < 0 or > PayloadJson.MaxUnixSeconds * 1000)
        {
            throw new FormatException($"'at' ({atMs}) is not a time.");
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(atMs);
        switch (op)
        {
            case "add":
                var record = PayloadJson.ReadRecord(root.GetProperty("record"), line - 1);
                return JournalEntry.Added(record.FileHash, record.FileSize, record.FileName, record.DateTime, at);
            case "delete":
                var hashText = root.GetProperty("filehash").GetString() ?? "";
                if (!ContentHash.TryParse(hashText, out var hash))
                {
                    throw new FormatException("'filehash' is not a SHA-256 in 64 hex digits.");
                }

                var size = root.GetProperty("filesize").GetInt64();
                if (size is < 0 or > PayloadJson.MaxFileSize)
                {
                    throw new FormatException($"'filesize' ({size}) is out of range.");
                }

                return JournalEntry.Removed(hash, size, at);
            default:
                throw new FormatException($"'op' is '{op}', neither 'add' nor 'delete'.");
        }
    }
}
