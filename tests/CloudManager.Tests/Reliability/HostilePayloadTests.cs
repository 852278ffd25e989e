using System.Text;
using CloudManager.Testing;

namespace CloudManager.Tests.Reliability;

/// <summary>
/// Hand-written hostile sync documents, each imported into a pool that already holds data: every one
/// must end in an <see cref="InvalidPayloadException"/> with the catalog exactly as it was.
/// </summary>
public sealed class HostilePayloadTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> HostileCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (json, what) in HostileDocuments.All)
        {
            data.Add(json, what);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileCases))]
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

    public static TheoryData<string, string> BadNameCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (json, what) in HostileDocuments.BadNames)
        {
            data.Add(json, what);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadNameCases))]
    public async Task A_record_with_a_bad_name_is_refused_alone_and_leaves_the_catalog_as_it_was(string json, string what)
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = await PoolWithDataAsync(harness);
        var before = PoolConsistency.Snapshot(harness.Database);

        var report = await pool.DataLoadWithReportAsync(json, "hostile", TestContext.Current.CancellationToken);

        output.WriteLine($"{what}: {report.Rejected[0].Reason}");
        Assert.Equal(0, report.Imported);
        Assert.Equal(0, Assert.Single(report.Rejected).Index);
        Assert.StartsWith("filename: ", report.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Rejected[0].Reason, c => char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator);
        Assert.Equal(before, PoolConsistency.Snapshot(harness.Database));
    }

    [Fact]
    public async Task A_100_MB_document_is_refused_before_it_is_parsed_with_bounded_memory()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = await PoolWithDataAsync(harness);
        var before = PoolConsistency.Snapshot(harness.Database);
        var record = HostileDocuments.Record();
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
        var json = $"[{HostileDocuments.Record(name: "\"" + new string('n', (4 << 20) - 400) + "\"")}]";

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

    /// <summary>A pool that knows <see cref="HostileDocuments.KnownHash"/> (size 3) and caches one uploaded file.</summary>
    private static async Task<CloudPool> PoolWithDataAsync(PoolHarness harness)
    {
        var pool = harness.Open(hosts: []);
        var imported = await pool.DataLoadAsync($"[{HostileDocuments.Record(HostileDocuments.KnownHash, size: "3")}]", "setup", TestContext.Current.CancellationToken);
        Assert.Equal(1, imported);
        await pool.UploadAsync(harness.WriteFile("cached.bin", 1000, seed: 1), TestContext.Current.CancellationToken);
        return pool;
    }
}
