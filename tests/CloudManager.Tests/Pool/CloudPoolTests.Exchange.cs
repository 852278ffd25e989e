using CloudManager.Catalog;
using CloudManager.Exchange;

namespace CloudManager.Tests.Pool;

public sealed partial class CloudPoolTests
{
    [Fact]
    public async Task Dump_then_load_into_an_empty_catalog_reproduces_files_and_copies_once_the_hosts_show_them()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("shared.bin", 9000, 24);
        var hash = await pool.UploadAsync(source, Token);
        var second = await pool.UploadAsync(_harness.WriteFile("other.bin", 100, 25), Token);
        await pool.SyncAsync(Token);
        var dump = await pool.DataDumpAsync(128_000, Token);
        Assert.NotNull(dump);

        var node = _harness.Open(storage: _harness.Folder.Combine("cache-b"), database: _harness.Folder.Combine("b.db"));
        Assert.Equal(2, await node.DataLoadAsync(dump, "block-1", Token));

        // The records' links are hints until this node's hosts (the same three) show the copies: a sync looks.
        Assert.Empty((await node.InfoAsync(hash, Token))!.Uploads);
        Assert.Equal(0, (await node.SyncAsync(Token)).CopiesMade);
        foreach (var h in new[] { hash, second })
        {
            var original = await pool.InfoAsync(h, Token);
            var imported = await node.InfoAsync(h, Token);
            Assert.Equal(original!.ToJson(), imported!.ToJson());
        }

        Assert.False(await node.OnCacheAsync(hash, Token));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(await node.WarmUpAsync(hash, Token)));
        Assert.Null(await node.DataDumpAsync(128_000, Token));

        Assert.Equal(2, await node.DataLoadAsync(dump, "block-1", Token));
        Assert.Equal(2, (await node.ListFilesAsync(cancellationToken: Token)).Count);
    }

    [Fact]
    public async Task A_name_recorded_before_names_were_checked_is_exported_under_a_name_other_nodes_accept()
    {
        var pool = _harness.Open();
        var spoofed = await pool.UploadAsync(_harness.WriteFile("invoice.pdf", 300, 31), Token);
        var invisible = await pool.UploadAsync(_harness.WriteFile("blank.bin", 200, 32), Token);
        var plain = await pool.UploadAsync(_harness.WriteFile("plain.txt", 100, 33), Token);
        await pool.SyncAsync(Token);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_harness.Database};Pooling=False"))
        {
            await connection.OpenAsync(Token);
            await using var update = connection.CreateCommand();
            update.CommandText = "UPDATE files SET name = $spoofed WHERE hash = $a; UPDATE files SET name = $invisible WHERE hash = $b;";
            update.Parameters.AddWithValue("$spoofed", "invoice\u202Efdp.exe");
            update.Parameters.AddWithValue("$invisible", "\u200B\u200B");
            update.Parameters.AddWithValue("$a", spoofed.ToString());
            update.Parameters.AddWithValue("$b", invisible.ToString());
            Assert.Equal(2, await update.ExecuteNonQueryAsync(Token));
        }

        var dump = await pool.DataDumpAsync(128_000, Token);

        var node = _harness.Open(storage: _harness.Folder.Combine("cache-b"), database: _harness.Folder.Combine("b.db"));
        var report = await node.DataLoadWithReportAsync(dump!, "block-1", Token);
        Assert.Equal(3, report.Imported);
        Assert.Empty(report.Rejected);
        Assert.Equal("invoice_fdp.exe", (await node.InfoAsync(spoofed, Token))!.FileName);
        Assert.Equal(invisible.ToString()[..10], (await node.InfoAsync(invisible, Token))!.FileName);
        Assert.Equal("plain.txt", (await node.InfoAsync(plain, Token))!.FileName);
        Assert.Equal("invoice\u202Efdp.exe", (await pool.InfoAsync(spoofed, Token))!.FileName);
    }

    [Fact]
    public async Task DataDumpAsync_respects_the_limit_and_reoffers_unconfirmed_exports_after_an_hour()
    {
        var pool = _harness.Open();
        for (var i = 0; i < 5; i++)
        {
            await pool.UploadAsync(_harness.WriteFile($"f{i}.bin", 100 + i, 100 + i), Token);
            _harness.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await pool.SyncAsync(Token);
        var first = await pool.DataDumpAsync(700, Token);
        Assert.NotNull(first);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(first) <= 700);
        var firstRecords = PayloadJson.ParseArray(first);
        Assert.InRange(firstRecords.Count, 1, 4);

        var rest = await pool.DataDumpAsync(1_000_000, Token);
        Assert.Equal(5 - firstRecords.Count, PayloadJson.ParseArray(rest!).Count);
        Assert.Null(await pool.DataDumpAsync(1_000_000, Token));

        await pool.DataLoadAsync(first, "block-7", Token);
        _harness.Clock.Advance(TimeSpan.FromMinutes(61));
        var again = await pool.DataDumpAsync(1_000_000, Token);
        Assert.Equal(5 - firstRecords.Count, PayloadJson.ParseArray(again!).Count);
        Assert.Equal(new QueueInfo(5 - firstRecords.Count, PayloadJson.ParseArray(again!).Sum(r => r.FileSize)), await pool.ExportQueueInfoAsync(Token));
    }

    [Fact]
    public async Task DataDumpAsync_returns_null_when_nothing_fits_or_nothing_is_safe()
    {
        var pool = _harness.Open();
        Assert.Null(await pool.DataDumpAsync(128_000, Token));
        await pool.UploadAsync(_harness.WriteFile("a.bin", 10, 26), Token);
        Assert.Null(await pool.DataDumpAsync(128_000, Token));
        await pool.SyncAsync(Token);
        Assert.Null(await pool.DataDumpAsync(50, Token));
        Assert.NotNull(await pool.DataDumpAsync(128_000, Token));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"a\":1}")]
    [InlineData("[{\"version\":\"0.2\"}]")]
    [InlineData("[{\"version\":\"9.9\",\"datetime\":\"1\",\"filename\":\"a\",\"filesize\":1,\"filehash\":\"0000000000000000000000000000000000000000000000000000000000000001\",\"uploads\":[]}]")]
    public async Task Malformed_imports_change_nothing(string json)
    {
        var pool = _harness.Open();
        await pool.UploadAsync(_harness.WriteFile("a.bin", 10, 27), Token);
        var before = await pool.ListFilesAsync(cancellationToken: Token);
        await Assert.ThrowsAsync<InvalidPayloadException>(() => pool.DataLoadAsync(json, "s", Token));
        Assert.Equal(before, await pool.ListFilesAsync(cancellationToken: Token));
    }

    [Fact]
    public async Task Import_conflicting_with_the_catalog_is_all_or_nothing()
    {
        var pool = _harness.Open();
        var known = await pool.UploadAsync(_harness.WriteFile("a.bin", 10, 28), Token);
        var fresh = new string('b', 64);
        var json = $$"""
            [{"version":"0.2","datetime":"1","filename":"new.bin","filesize":5,"filehash":"{{fresh}}","uploads":[{"host_name":"host-1","url":"bb/{{fresh}}"}]},
             {"version":"0.2","datetime":"1","filename":"a.bin","filesize":11,"filehash":"{{known}}","uploads":[]}]
            """;
        var error = await Assert.ThrowsAsync<InvalidPayloadException>(() => pool.DataLoadAsync(json, "s", Token));

        Assert.Equal(1, error.RecordIndex);
        Assert.Equal("filesize", error.Field);
        Assert.False(await pool.ExistsAsync(fresh, Token));
    }

    [Fact]
    public async Task Hostile_names_in_an_import_never_reach_the_file_system()
    {
        var pool = _harness.Open();
        var fresh = new string('c', 64);
        var json = $$"""[{"version":"0.2","datetime":"1","filename":"c_{{fresh[..7]}}.bin","filesize":5,"filehash":"{{fresh}}","uploads":[{"host_name":"host-1","url":"../../../../etc/passwd"}]}]""";
        await pool.DataLoadAsync(json, "s", Token);

        var error = await Assert.ThrowsAsync<ContentUnavailableException>(() => pool.WarmUpAsync(fresh, Token));
        Assert.IsType<ContentNotFoundException>(Assert.Single(error.Failures));
    }

    [Fact]
    public async Task Empty_import_changes_nothing()
    {
        var pool = _harness.Open();
        Assert.Equal(0, await pool.DataLoadAsync("[]", "s", Token));
        Assert.Empty(await pool.ListFilesAsync(cancellationToken: Token));
    }
}
