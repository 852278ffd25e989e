using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CloudManager.Testing;

namespace CloudManager.Tests.Reliability;

/// <summary>
/// Makes sync documents for <see cref="CloudPool.DataLoadAsync"/> from a seed: valid documents, then
/// one to three mutations each (bit flips, truncations, splices, type swaps, big numbers, hostile
/// Unicode, deep nesting, dropped, duplicated and conflicting fields). The same seed gives the same
/// sequence of documents, so a failing case is reproduced from its seed and number alone.
/// </summary>
public sealed class PayloadMutator
{
    private static readonly string[] Hosts = ["disk-a", "disk-b", "s3", "webdav", "mediafire", "ホスト"];

    private static readonly string[] Names =
    [
        "README.md", "photo.jpg", "été.txt", "数据.bin", "a b c", ".hidden", "x", "emoji-😀.png", "CON", "nul.txt",
        new string('n', 255), "ĳ" + new string('é', 100),
    ];

    private readonly Random _random;
    private readonly JsonMutator _mutator;

    /// <summary>Creates the generator.</summary>
    public PayloadMutator(int seed)
        : this(new Random(seed))
    {
    }

    private PayloadMutator(Random random)
    {
        _random = random;
        _mutator = new JsonMutator(random, ValidRecord, () => ValidDocument().ToJsonString());
    }

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
            text = _mutator.MutateText(text);
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
                : new JsonObject { ["host_name"] = host, ["url"] = $"{_mutator.RandomHex(2)}/{_mutator.RandomHex(64)}" });
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
                document.Add(_mutator.Nest(_random.Next(1, 40)));
                break;
            case 2:
                document.Add(_mutator.RandomValue());
                break;
            default:
                if (_mutator.PickNode(document) is { } target)
                {
                    _mutator.ReplaceOrDrop(target);
                }
                else
                {
                    document.Add(ValidRecord());
                }

                break;
        }
    }

}
