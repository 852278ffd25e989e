using System.Text;
using System.Text.Json.Nodes;

namespace CloudManager.Testing;

/// <summary>
/// Seeded mutations of JSON documents, shared by the bad-input campaigns (sync data, config files):
/// values replaced by other types, big numbers and hostile strings, keys dropped or misspelt, deep
/// nesting, and text-level damage (bit flips, truncations, splices, raw and escaped bad characters).
/// </summary>
/// <param name="random">The seeded source of every choice.</param>
/// <param name="validValue">Makes a valid piece of the document (a record, a host), spliced in now and then.</param>
/// <param name="otherText">Makes another valid document's text, for splices.</param>
public sealed class JsonMutator(Random random, Func<JsonNode> validValue, Func<string> otherText)
{
    private readonly Random _random = random;

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

    public void ReplaceOrDrop(JsonNode target)
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

    public JsonNode? PickNode(JsonNode root)
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

    public JsonNode? RandomValue() => _random.Next(10) switch
    {
        0 => null,
        1 => _random.Next(2) == 0,
        2 => JsonNode.Parse(BigNumbers[_random.Next(BigNumbers.Length)]),
        3 => HostileStrings[_random.Next(HostileStrings.Length)],
        4 => RandomUnicode(_random.Next(1, 40)),
        5 => new JsonArray(),
        6 => new JsonObject { ["x"] = 1 },
        7 => Nest(_random.Next(1, 12)),
        8 => validValue(),
        _ => RandomHex(_random.Next(60, 68)),
    };

    public JsonNode Nest(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 1; i < depth; i++)
        {
            node = _random.Next(2) == 0 ? new JsonArray(node) : new JsonObject { ["filehash"] = node };
        }

        return node;
    }

    public string MutateText(string text)
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
                var other = otherText();
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

    private string Scramble(string key) => _random.Next(3) switch
    {
        0 => key.ToUpperInvariant(),
        1 => key + " ",
        _ => "x" + key,
    };

    /// <summary>Lowercase hexadecimal digits: hash-like text, the most common string in sync data.</summary>
    public string RandomHex(int length)
    {
        const string Digits = "0123456789abcdef";
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(Digits[_random.Next(16)]);
        }

        return text.ToString();
    }
}
