using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudManager.Tests.Reliability;

/// <summary>
/// Makes sync documents for <see cref="CloudPool.DataLoadAsync"/> from a seed: valid documents, then
/// one to three mutations each (bit flips, truncations, splices, type swaps, big numbers, hostile
/// Unicode, deep nesting, dropped, duplicated and conflicting fields). The same seed gives the same
/// sequence of documents, so a failing case is reproduced from its seed and number alone.
/// </summary>
public sealed class PayloadMutator(int seed)
{
    private static readonly string[] Hosts = ["disk-a", "disk-b", "s3", "webdav", "mediafire", "ホスト"];

    private static readonly string[] Names =
    [
        "README.md", "photo.jpg", "été.txt", "数据.bin", "a b c", ".hidden", "x", "emoji-😀.png", "CON", "nul.txt",
        new string('n', 255), "ĳ" + new string('é', 100),
    ];

    private static readonly string[] HostileStrings =
    [
        "", " ", ".", "..", "../../etc/passwd", "/abs/path", "a/b", "a\\b", "C:\\x", "\0", "a\u0000b", "\u0001\u001f\u007f", "\n", "\r\n",
        "\ud800", "\udc00", "x\ud83d", "\ufeff", "\u202e", "\u200b", "\ufffd", "😀", new string('x', 256), new string('é', 128),
        string.Concat(Enumerable.Repeat("𝄞", 64)), "%2e%2e%2f", "file://x", "javascript:alert(1)", "' OR 1=1 --", "\"; DROP TABLE files; --", "$(rm -rf /)",
    ];

    private static readonly string[] BigNumbers =
    [
        "0", "-0", "-1", "1", "1.0", "1e3", "1E+2", "0.5", "-9223372036854775808", "9223372036854775807", "9223372036854775808",
        "9007199254740992", "9007199254740993", "18446744073709551616", "1e308", "-1e308", "1e309", "4.9e-324", "253402300799", "253402300800",
        "99999999999999999999999999999999999999", "\"00012\"", "\"-1\"", "\"1e3\"", "\" 12\"", "\"12 \"", "\"+12\"", "\"١٢\"", "\"\"",
        "\"99999999999999999999\"", "\"18446744073709551615\"", "\"9007199254740993\"",
    ];

    private readonly Random _random = new(seed);

    /// <summary>A valid sync document of 0 to <paramref name="maxRecords"/> records.</summary>
    public JsonArray ValidDocument(int maxRecords = 4)
    {
        var document = new JsonArray();
        var count = _random.Next(maxRecords + 1);
        for (var i = 0; i < count; i++)
        {
            document.Add(ValidRecord());
        }

        return document;
    }

    /// <summary>The next case: a valid document mutated 0 to 3 times, as text.</summary>
    public string Next()
    {
        var document = ValidDocument();
        var structural = _random.Next(4);
        for (var i = 0; i < structural; i++)
        {
            MutateTree(document);
        }

        var text = document.ToJsonString();
        var textual = _random.Next(10) < 3 ? 1 + _random.Next(2) : 0;
        for (var i = 0; i < textual; i++)
        {
            text = MutateText(text);
        }

        return text;
    }

    private JsonObject ValidRecord()
    {
        var uploads = new JsonArray();
        var uploadCount = _random.Next(4);
        for (var i = 0; i < uploadCount; i++)
        {
            var host = Hosts[_random.Next(Hosts.Length)];
            uploads.Add(_random.Next(4) == 0
                ? new JsonObject { ["host_name"] = host, ["error"] = true }
                : new JsonObject { ["host_name"] = host, ["url"] = $"{RandomHex(2)}/{RandomHex(64)}" });
        }

        var version = _random.Next(5) == 0 ? "0.1" : "0.2";
        // Hashes from a small set, so that documents meet files the catalog already knows; each with
        // its own size, except now and then a conflicting one.
        var hashIndex = _random.Next(64);
        var hash = hashIndex.ToString("x2", CultureInfo.InvariantCulture) + new string('0', 62);
        var size = _random.Next(20) == 0 ? _random.NextInt64(0, 1L << 40) : hashIndex * 1000L;
        var record = new JsonObject
        {
            ["version"] = version,
            ["datetime"] = _random.Next(2) == 0 ? (JsonNode)_random.NextInt64(0, 4_000_000_000).ToString(CultureInfo.InvariantCulture) : _random.NextInt64(0, 4_000_000_000),
            ["filename"] = Names[_random.Next(Names.Length)],
            ["filesize"] = _random.Next(2) == 0 ? (JsonNode)size : size.ToString(CultureInfo.InvariantCulture),
            ["filehash"] = hash,
            ["uploads"] = uploads,
        };
        if (version == "0.1" && _random.Next(2) == 0)
        {
            record.Remove("filename");
        }

        return record;
    }

    private void MutateTree(JsonArray document)
    {
        switch (_random.Next(9))
        {
            case 0 when document.Count > 0:
                // A record repeated with another size: conflicting duplicate.
                var copy = document[_random.Next(document.Count)]?.DeepClone();
                if (copy is JsonObject copyObject)
                {
                    copyObject["filesize"] = _random.NextInt64(0, 1L << 40);
                }

                document.Add(copy);
                break;
            case 1:
                document.Add(Nest(_random.Next(1, 40)));
                break;
            case 2:
                document.Add(RandomValue());
                break;
            default:
                if (PickNode(document) is { } target)
                {
                    ReplaceOrDrop(target);
                }
                else
                {
                    document.Add(ValidRecord());
                }

                break;
        }
    }

    private void ReplaceOrDrop(JsonNode target)
    {
        var parent = target.Parent;
        switch (parent)
        {
            case JsonObject obj:
                var key = target.GetPropertyName();
                switch (_random.Next(4))
                {
                    case 0:
                        obj.Remove(key);
                        break;
                    case 1:
                        obj[Scramble(key)] = RandomValue();
                        break;
                    default:
                        obj[key] = RandomValue();
                        break;
                }

                break;
            case JsonArray array:
                var index = target.GetElementIndex();
                if (_random.Next(3) == 0)
                {
                    array.RemoveAt(index);
                }
                else
                {
                    array[index] = RandomValue();
                }

                break;
            default:
                break;
        }
    }

    private JsonNode? PickNode(JsonNode root)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        return nodes.Count == 0 ? null : nodes[_random.Next(nodes.Count)];
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    if (value is not null)
                    {
                        into.Add(value);
                        Collect(value, into);
                    }
                }

                break;
            case JsonArray array:
                foreach (var value in array)
                {
                    if (value is not null)
                    {
                        into.Add(value);
                        Collect(value, into);
                    }
                }

                break;
            default:
                break;
        }
    }

    private JsonNode? RandomValue() => _random.Next(10) switch
    {
        0 => null,
        1 => _random.Next(2) == 0,
        2 => JsonNode.Parse(BigNumbers[_random.Next(BigNumbers.Length)]),
        3 => HostileStrings[_random.Next(HostileStrings.Length)],
        4 => RandomUnicode(_random.Next(1, 40)),
        5 => new JsonArray(),
        6 => new JsonObject { ["x"] = 1 },
        7 => Nest(_random.Next(1, 12)),
        8 => ValidRecord(),
        _ => RandomHex(_random.Next(60, 68)),
    };

    private JsonNode Nest(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 1; i < depth; i++)
        {
            node = _random.Next(2) == 0 ? new JsonArray(node) : new JsonObject { ["filehash"] = node };
        }

        return node;
    }

    private string MutateText(string text)
    {
        if (text.Length == 0)
        {
            return "[";
        }

        switch (_random.Next(7))
        {
            case 0:
                // Bit flips in the UTF-8 bytes, decoded back with replacement characters where they break UTF-8.
                var bytes = Encoding.UTF8.GetBytes(text);
                var flips = 1 + _random.Next(4);
                for (var i = 0; i < flips; i++)
                {
                    bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
                }

                return Encoding.UTF8.GetString(bytes);
            case 1:
                return text[.._random.Next(text.Length)];
            case 2:
                var other = ValidDocument().ToJsonString();
                return text[.._random.Next(text.Length)] + other[_random.Next(other.Length)..];
            case 3:
                // A raw character inserted anywhere, including lone surrogates and control characters.
                var position = _random.Next(text.Length + 1);
                return text[..position] + RandomUnicode(1 + _random.Next(3)) + text[position..];
            case 4:
                var start = _random.Next(text.Length);
                var length = _random.Next(Math.Min(64, text.Length - start) + 1);
                var at = _random.Next(text.Length + 1);
                return text[..at] + text.Substring(start, length) + text[at..];
            case 5:
                // A JSON escape inserted inside a string value.
                var quote = text.IndexOf('"', _random.Next(text.Length));
                string[] escapes = ["\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\/", "\\\\", "\\x", "\\u12", "\\u002f", "\\u002e\\u002e"];
                return quote < 0 ? text : text[..(quote + 1)] + escapes[_random.Next(escapes.Length)] + text[(quote + 1)..];
            default:
                var remove = _random.Next(text.Length);
                return text.Remove(remove, Math.Min(text.Length - remove, 1 + _random.Next(8)));
        }
    }

    private string RandomUnicode(int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            text.Append(_random.Next(6) switch
            {
                0 => (char)_random.Next(0, 0x20),
                1 => (char)_random.Next(0xD800, 0xE000),
                2 => (char)_random.Next(0x80, 0x800),
                3 => char.ConvertFromUtf32(_random.Next(0x10000, 0x110000)),
                4 => "/\\.:\"'{}[],"[_random.Next(11)],
                _ => (char)_random.Next(0x20, 0x7F),
            });
        }

        return text.ToString();
    }

    private string RandomHex(int length)
    {
        const string Digits = "0123456789abcdef";
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(Digits[_random.Next(16)]);
        }

        return text.ToString();
    }

    private string Scramble(string key) => _random.Next(3) switch
    {
        0 => key.ToUpperInvariant(),
        1 => key + " ",
        _ => "x" + key,
    };
}
