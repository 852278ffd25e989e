using System.Text.Json;
using CloudManager.Exchange;

namespace CloudManager.Tests.Exchange;

public sealed class PayloadJsonTests
{
    private const string Hash = "6e163442e29ec8d7538bc86fe2c4a48778e8ae2254632f0889da753b1c357b1b";

    private static string Record(string filesize = "23124", string filename = "\"README.md\"", string version = "\"0.2\"", string uploads = """[{"host_name":"mediafire","url":"http://www.mediafire.com/?qorncpzfe74s9"},{"host_name":"anonfiles","error":true}]""") =>
        $$"""{"version":{{version}},"datetime":"1391212800","filename":{{filename}},"filesize":{{filesize}},"filehash":"{{Hash}}","uploads":{{uploads}}}""";

    [Fact]
    public void ParseArray_reads_the_seed_example_with_size_as_string()
    {
        var record = Assert.Single(PayloadJson.ParseArray($"[{Record("\"23124\"")}]"));
        Assert.Equal(23124, record.FileSize);
        Assert.Equal("README.md", record.FileName);
        Assert.Equal(ContentHash.Parse(Hash), record.FileHash);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1391212800), record.DateTime);
        Assert.Equal([new UploadLink("mediafire", "http://www.mediafire.com/?qorncpzfe74s9"), new UploadLink("anonfiles", null)], record.Uploads);
    }

    [Fact]
    public void ParseArray_reads_size_as_number() =>
        Assert.Equal(23124, Assert.Single(PayloadJson.ParseArray($"[{Record("23124")}]")).FileSize);

    [Fact]
    public void Serialize_writes_the_seed_format_and_reads_back()
    {
        var record = PayloadJson.ParseArray($"[{Record()}]")[0];
        var json = record.ToJson();
        Assert.Equal(
            $$"""{"version":"0.2","datetime":"1391212800","filename":"README.md","filesize":23124,"filehash":"{{Hash}}","uploads":[{"host_name":"mediafire","url":"http://www.mediafire.com/?qorncpzfe74s9"},{"host_name":"anonfiles","error":true}]}""",
            json);
        Assert.Equal(record with { Uploads = record.Uploads }, PayloadJson.ParseRecord(json) with { Uploads = record.Uploads });
        Assert.Equal(json, JsonSerializer.Serialize(JsonSerializer.Deserialize<FilePayload>(json)));
    }

    [Fact]
    public void Version_0_1_without_filename_is_named_after_the_hash()
    {
        var json = $$"""[{"version":"0.1","datetime":"1391212800","filesize":5,"filehash":"{{Hash}}","uploads":[]}]""";
        Assert.Equal(Hash[..10], Assert.Single(PayloadJson.ParseArray(json)).FileName);
    }

    [Fact]
    public void DisplayName_drops_the_2014_cache_prefix_and_FileName_keeps_it()
    {
        var record = PayloadJson.ParseArray($"[{Record(filename: $"\"{Hash[..7]}_README.md\"")}]")[0];
        Assert.Equal($"{Hash[..7]}_README.md", record.FileName);
        Assert.Equal("README.md", record.DisplayName);
    }

    [Theory]
    [InlineData("{}", -1, null)]
    [InlineData("not json", -1, null)]
    [InlineData("[1]", 0, null)]
    [InlineData("[[[[[[[[[[[[]]]]]]]]]]]]", -1, null)]
    public void ParseArray_rejects_bad_documents(string json, int index, string? field)
    {
        var error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseArray(json));
        Assert.Equal(index, error.RecordIndex);
        Assert.Equal(field, error.Field);
        Assert.Contains("Nothing was imported", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> HostileRecords => new()
    {
        { Record(version: "\"0.3\""), "version" },
        { Record(version: "2"), "version" },
        { Record(filesize: "-1"), "filesize" },
        { Record(filesize: "9007199254740993"), "filesize" },
        { Record(filesize: "\"12a\""), "filesize" },
        { Record(filesize: "1.5"), "filesize" },
        { Record(filesize: "null"), "filesize" },
        { Record(filename: "\"../../etc/passwd\""), "filename" },
        { Record(filename: "\"a/b\""), "filename" },
        { Record(filename: "\"a\\\\b\""), "filename" },
        { Record(filename: "\"..\""), "filename" },
        { Record(filename: "\"\""), "filename" },
        { Record(filename: "\"bell\\u0007\""), "filename" },
        { Record(filename: "\"nul\\u0000\""), "filename" },
        { Record(filename: $"\"{new string('é', 128)}\""), "filename" },
        { Record(filename: "\"\\ud800x\""), "filename" },
        { Record(filename: "42"), "filename" },
        { Record(uploads: "{}"), "uploads" },
        { Record(uploads: "[{\"url\":\"x\"}]"), "uploads[0].host_name" },
        { Record(uploads: "[{\"host_name\":\"h\"}]"), "uploads[0].url" },
        { Record(uploads: $"[{{\"host_name\":\"h\",\"url\":\"{new string('u', 3000)}\"}}]"), "uploads[0].url" },
        { Record(uploads: "[{\"host_name\":\"\\n\",\"url\":\"x\"}]"), "uploads[0].host_name" },
        { Record(uploads: "[" + string.Join(",", Enumerable.Repeat("{\"host_name\":\"h\",\"error\":true}", 65)) + "]"), "uploads" },
        { Record().Replace(Hash, Hash[..63] + "z", StringComparison.Ordinal), "filehash" },
        { Record().Replace("\"1391212800\"", "\"-5\"", StringComparison.Ordinal), "datetime" },
        { Record().Replace("\"1391212800\"", "99999999999999", StringComparison.Ordinal), "datetime" },
    };

    [Theory]
    [MemberData(nameof(HostileRecords))]
    public void ParseArray_names_the_record_and_field_at_fault(string record, string field)
    {
        var error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseArray($"[{Record()},{record}]"));
        Assert.Equal(1, error.RecordIndex);
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void ParseArray_rejects_one_hash_with_two_sizes()
    {
        var error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseArray($"[{Record("5")},{Record("6")}]"));
        Assert.Equal(1, error.RecordIndex);
        Assert.Equal("filesize", error.Field);
    }
}
