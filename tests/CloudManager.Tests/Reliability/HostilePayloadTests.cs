using System.Text;
using CloudManager.Tests.Support;

namespace CloudManager.Tests.Reliability;

/// <summary>
/// Hand-written hostile sync documents, each imported into a pool that already holds data: every one
/// must end in an <see cref="InvalidPayloadException"/> with the catalog exactly as it was.
/// </summary>
public sealed class HostilePayloadTests(ITestOutputHelper output)
{
    private const string KnownHash = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string OtherHash = "2222222222222222222222222222222222222222222222222222222222222222";

    private static string Record(string hash = OtherHash, string size = "10", string name = "\"a.txt\"", string version = "\"0.2\"", string datetime = "\"1391212800\"", string uploads = """[{"host_name":"disk-b","url":"ab/cd"}]""") =>
        $$"""{"version":{{version}},"datetime":{{datetime}},"filename":{{name}},"filesize":{{size}},"filehash":"{{hash}}","uploads":{{uploads}}}""";

    public static TheoryData<string, string> HostileDocuments => new()
    {
        { $"[{Record(name: "\"../../../etc/passwd\"")}]", "path traversal" },
        { $"[{Record(name: "\"..\\\\..\\\\boot.ini\"")}]", "backslash traversal" },
        { $"[{Record(name: "\"/etc/shadow\"")}]", "absolute path" },
        { $"[{Record(name: "\"a\\u0000b\"")}]", "NUL in a name" },
        { $"[{Record(name: "\"line\\nbreak\"")}]", "newline in a name" },
        { $"[{Record(name: "\"esc\\u001b[31m\"")}]", "terminal escape in a name" },
        { $"[{Record(name: "\"\\udfff.txt\"")}]", "unpaired surrogate in a name" },
        { $"[{Record(name: $"\"{new string('x', 256)}\"")}]", "over-long name" },
        { $"[{Record(size: "-1")}]", "negative size" },
        { $"[{Record(size: "9223372036854775807")}]", "long.MaxValue size" },
        { $"[{Record(size: "1e400")}]", "size beyond double" },
        { $"[{Record(size: "\"99999999999999999999\"")}]", "size string beyond long" },
        { $"[{Record(size: "18446744073709551616")}]", "size beyond ulong" },
        { $"[{Record(size: "0.5")}]", "fractional size" },
        { $"[{Record(datetime: "-62135596801")}]", "date before year 1" },
        { $"[{Record(datetime: "\"1e10\"")}]", "date in exponent form" },
        { $"[{Record(size: "10")},{Record(size: "11")}]", "one hash, two sizes in one document" },
        { $"[{Record(KnownHash, size: "999")}]", "a size that contradicts the catalog" },
        { $"[{Record(size: "[10]")}]", "array as size" },
        { $"[{Record(name: "{}")}]", "object as name" },
        { $"[{Record(uploads: "\"disk-b\"")}]", "string as uploads" },
        { $"[{Record(uploads: "[[]]")}]", "array as upload" },
        { $"[{Record(uploads: """[{"host_name":7,"url":"x"}]""")}]", "number as host name" },
        { $"[{Record(uploads: """[{"host_name":"h","url":null}]""")}]", "null URL" },
        { $"[{Record(version: "\"0.3\"")}]", "unknown version" },
        { $"[{Record(version: "\"9.9.9\"")}]", "far future version" },
        { $"[{Record(version: "0.2")}]", "version as number" },
        { $"[{Record(hash: new string('g', 64))}]", "hash with non-hex digits" },
        { $"[{Record(hash: KnownHash.ToUpperInvariant() + "0")}]", "hash of 65 digits" },
        { $"[{Record()},{Record(hash: KnownHash, size: "5")}, 42]", "valid records before a bad one" },
        { $"[{Record()}", "truncated document" },
        { "{\"records\":[]}", "object instead of array" },
        { new string('[', 10_000) + new string(']', 10_000), "10,000 levels of nesting" },
        { "[" + string.Concat(Enumerable.Repeat("{\"a\":", 500)) + "1" + new string('}', 500) + "]", "500 nested objects" },
        { $"[{Record().Replace("\"filehash\"", "\"\\ud800filehash\"", StringComparison.Ordinal)}]", "unpaired surrogate in a property name" },
        { "\ud800[]", "unpaired surrogate outside any string" },
        { "", "empty text" },
        { "\uFEFF[]", "byte-order mark" },
    };

    [Theory]
    [MemberData(nameof(HostileDocuments))]
    public async Task A_hostile_document_is_rejected_and_leaves_the_catalog_as_it_was(string json, string what)
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = await PoolWithDataAsync(harness);
        var before = PoolConsistency.Snapshot(harness.Database);

        var error = await Assert.ThrowsAsync<InvalidPayloadException>(() => pool.DataLoadAsync(json, "hostile", TestContext.Current.CancellationToken));

        output.WriteLine($"{what}: {error.Message}");
        Assert.EndsWith("Nothing was imported.", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, PoolConsistency.Snapshot(harness.Database));
    }

    [Fact]
    public async Task A_100_MB_document_is_refused_before_it_is_parsed_with_bounded_memory()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = await PoolWithDataAsync(harness);
        var before = PoolConsistency.Snapshot(harness.Database);
        var record = Record();
        var text = new StringBuilder(100 << 20).Append('[');
        while (text.Length < 100 << 20)
        {
            text.Append(record).Append(',');
        }

        var json = text.Append(record).Append(']').ToString();

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var error = await Assert.ThrowsAsync<InvalidPayloadException>(() => pool.DataLoadAsync(json, "huge", TestContext.Current.CancellationToken));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        output.WriteLine($"{json.Length:N0} characters refused after {allocated:N0} bytes allocated: {error.Message}");
        Assert.Contains("MaxSyncDataLength", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"refusing the document allocated {allocated} bytes");
        Assert.Equal(before, PoolConsistency.Snapshot(harness.Database));
    }

    [Fact]
    public async Task A_document_at_the_limit_is_read_with_memory_proportional_to_it()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = harness.Open(hosts: []);
        pool.Options.MaxSyncDataLength = 4 << 20;
        var before = PoolConsistency.Snapshot(await OpenedAsync(pool, harness));
        // Just under the limit, one record whose name is far too long: fully parsed, then refused.
        var json = $"[{Record(name: "\"" + new string('n', (4 << 20) - 400) + "\"")}]";

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        await Assert.ThrowsAsync<InvalidPayloadException>(() => pool.DataLoadAsync(json, "big", TestContext.Current.CancellationToken));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        output.WriteLine($"{json.Length:N0} characters parsed and refused after {allocated:N0} bytes allocated ({(double)allocated / json.Length:F1} per character)");
        Assert.True(allocated < 8L * json.Length, $"reading a {json.Length}-character document allocated {allocated} bytes");
        Assert.Equal(before, PoolConsistency.Snapshot(harness.Database));
    }

    private static async Task<string> OpenedAsync(CloudPool pool, PoolHarness harness)
    {
        await pool.GetNodeIdAsync(TestContext.Current.CancellationToken);
        return harness.Database;
    }

    /// <summary>A pool that knows <see cref="KnownHash"/> (size 3) and caches one uploaded file.</summary>
    private static async Task<CloudPool> PoolWithDataAsync(PoolHarness harness)
    {
        var pool = harness.Open(hosts: []);
        var imported = await pool.DataLoadAsync($"[{Record(KnownHash, size: "3")}]", "setup", TestContext.Current.CancellationToken);
        Assert.Equal(1, imported);
        await pool.UploadAsync(harness.WriteFile("cached.bin", 1000, seed: 1), TestContext.Current.CancellationToken);
        return pool;
    }
}
