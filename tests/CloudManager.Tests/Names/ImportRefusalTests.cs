using CloudManager.Testing;

namespace CloudManager.Tests.Names;

/// <summary>A load refuses records whose name may not be taken in, one by one, and imports the others.</summary>
public sealed class ImportRefusalTests : IAsyncLifetime
{
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Records_with_bidi_zero_width_or_control_names_are_refused_and_the_rest_imported()
    {
        var pool = _harness.Open();
        var good = ContentHash.Compute([1]);
        string[] bad = ["invoice\u202Efdp.exe", "zero\u200Bwidth", "two\nlines", "bom\uFEFF", "sep\u2028x"];
        var records = new List<string> { Record(good, "fine.txt") };
        records.AddRange(bad.Select((name, i) => Record(ContentHash.Compute([(byte)(10 + i)]), name)));
        var json = "[" + string.Join(",", records) + "]";

        var report = await pool.DataLoadWithReportAsync(json, "peer", Token);

        Assert.Equal(1, report.Imported);
        Assert.Equal(Enumerable.Range(1, bad.Length), report.Rejected.Select(r => r.Index));
        Assert.All(report.Rejected, r => Assert.StartsWith("filename: ", r.Reason, StringComparison.Ordinal));
        Assert.True(await pool.ExistsAsync(good.ToString(), Token));
        foreach (var rejected in report.Rejected)
        {
            Assert.False(await pool.ExistsAsync(rejected.FileHash, Token));
        }

        // The count-only API imports the same and says nothing less: it logs each refusal.
        Assert.Equal(1, await pool.DataLoadAsync(json, "peer", Token));
    }

    [Fact]
    public async Task Names_given_at_upload_with_invisible_characters_are_refused_before_anything_is_read()
    {
        var pool = _harness.Open();
        var path = _harness.WriteFile("evil\u202Etxt.exe", 100, 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => pool.UploadAsync(path, Token));
        Assert.Contains("U+202E", error.Message, StringComparison.Ordinal);
        Assert.Contains("evil\\u{202E}txt.exe", error.Message, StringComparison.Ordinal);

        using var stream = new MemoryStream([1, 2, 3]);
        await Assert.ThrowsAsync<ArgumentException>(() => pool.UploadAsync(stream, "a\u200Bb", Token));
        Assert.Equal(0, stream.Position);
        await Assert.ThrowsAsync<ArgumentException>(() => pool.UploadFilesAsync([_harness.WriteFile("ok.bin", 10, 2), path], null, null, Token));
        Assert.Empty(await pool.ListFilesAsync(cancellationToken: Token));
    }

    private static string Record(ContentHash hash, string name) =>
        new CloudManager.Exchange.FilePayload(hash, 1, "placeholder", DateTimeOffset.FromUnixTimeSeconds(1), [new CloudManager.Exchange.UploadLink("host-1", "aa/x")]).ToJson()
            .Replace("\"placeholder\"", System.Text.Json.JsonSerializer.Serialize(name), StringComparison.Ordinal);
}
