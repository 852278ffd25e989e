using System.Text;
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

    [Fact]
    public void A_field_given_twice_counts_with_its_last_value()
    {
        var json = $"[{Record("5").Replace("\"filesize\":5", "\"filesize\":\"x\",\"filesize\":5,\"filesize\":7", StringComparison.Ordinal)}]";
        Assert.Equal(7, Assert.Single(PayloadJson.ParseArray(json)).FileSize);
    }

    [Fact]
    public void Escaped_names_and_values_read_as_their_plain_forms()
    {
        var json = $$"""[{"\u0076ersion":"0\u002e2","datetime":"\u0031391212800","filename":"a\u00e9.txt","filesize":"2\u0033","filehash":"{{Hash[..63]}}\u0062","uploads":[{"host_\u006eame":"d\u0069sk","url":"x"},{"host_name":"disk","url":"y"}]}]""";
        var record = Assert.Single(PayloadJson.ParseArray(json));
        Assert.Equal(new FilePayload(ContentHash.Parse(Hash), 23, "a\u00e9.txt", DateTimeOffset.FromUnixTimeSeconds(1391212800), record.Uploads), record);
        Assert.Equal([new UploadLink("disk", "x")], record.Uploads);
    }

    [Fact]
    public void Many_host_names_each_keep_their_own_text()
    {
        var uploads = "[" + string.Join(",", Enumerable.Range(0, 60).Select(i => $$"""{"host_name":"host-{{i}}","url":"u{{i}}"}""")) + "]";
        var records = PayloadJson.ParseArray($"[{Record(uploads: uploads)},{Record(uploads: uploads)}]");
        foreach (var record in records)
        {
            Assert.Equal(Enumerable.Range(0, 60).Select(i => new UploadLink($"host-{i}", $"u{i}")), record.Uploads);
        }
    }

    [Fact]
    public void A_property_name_with_an_unpaired_surrogate_refuses_its_record()
    {
        var error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseArray($"[{Record()},{Record().Replace("\"uploads\"", "\"\\ud800x\":1,\"uploads\"", StringComparison.Ordinal)}]"));
        Assert.Equal(1, error.RecordIndex);
        Assert.Null(error.Field);
        Assert.Contains("property name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_JSON_is_reported_before_an_invalid_record_ahead_of_it()
    {
        var error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseArray($"[{Record(version: "\"9\"")},{Record()}"));
        Assert.Equal(-1, error.RecordIndex);
        Assert.Contains("not well-formed JSON", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseArray($"[{Record()}] trailing"));
        Assert.Equal(-1, error.RecordIndex);
        error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseRecord($"{Record(version: "\"9\"")} trailing"));
        Assert.Equal(-1, error.RecordIndex);
    }

    [Fact]
    public void A_string_with_an_unpaired_surrogate_is_refused_with_its_position()
    {
        var error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseArray("[\"ab\ud800\"]"));
        Assert.Equal(-1, error.RecordIndex);
        Assert.Contains("(U+D800) at character 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_serializer_reads_records_split_across_small_buffers()
    {
        var text = $"[{Record()},{Record("\"23124\"", filename: "\"b.txt\"", uploads: "[]")}]";
        var expected = PayloadJson.ParseArray(text);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var read = await JsonSerializer.DeserializeAsync<FilePayload[]>(stream, new JsonSerializerOptions { DefaultBufferSize = 16 }, TestContext.Current.CancellationToken);
        Assert.NotNull(read);
        Assert.Equal(expected.Count, read.Length);
        for (var i = 0; i < read.Length; i++)
        {
            Assert.Equal(expected[i] with { Uploads = [] }, read[i] with { Uploads = [] });
            Assert.Equal(expected[i].Uploads, read[i].Uploads);
        }

        var bad = new MemoryStream(Encoding.UTF8.GetBytes($"[{Record(filename: "\"a/b\"")}]"));
        await Assert.ThrowsAsync<JsonException>(async () => await JsonSerializer.DeserializeAsync<FilePayload[]>(bad, new JsonSerializerOptions { DefaultBufferSize = 16 }, TestContext.Current.CancellationToken));
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
