using CloudManager.Catalog;
using CloudManager.Eviction;
using CloudManager.Exchange;
using CloudManager.Testing;

namespace CloudManager.Tests.Pool;

public sealed class CloudPoolTests : IAsyncLifetime
{
    private const string Unknown = "0000000000000000000000000000000000000000000000000000000000000001";
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Unknown_hash_is_unknown_everywhere()
    {
        var pool = _harness.Open();
        Assert.False(await pool.ExistsAsync(Unknown, Token));
        Assert.False(await pool.OnCacheAsync(Unknown, Token));
        Assert.Null(await pool.InfoAsync(Unknown, Token));
        await Assert.ThrowsAsync<UnknownContentException>(() => pool.WarmUpAsync(Unknown, Token));
        await Assert.ThrowsAsync<UnknownContentException>(() => pool.DownloadAsync(Unknown, Token));
        Assert.False(await pool.EvictAsync(Unknown, Token));
        Assert.False(await pool.PinAsync(Unknown, Token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("../../etc/passwd")]
    public async Task Malformed_hash_is_an_argument_error(string hash)
    {
        var pool = _harness.Open();
        await Assert.ThrowsAsync<ArgumentException>(() => pool.ExistsAsync(hash, Token));
        await Assert.ThrowsAsync<ArgumentException>(() => pool.WarmUpAsync(hash, Token));
    }

    [Fact]
    public async Task UploadAsync_caches_the_file_under_its_hash_and_meters_it()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("report.pdf", 5000, 1);
        var hash = await pool.UploadAsync(source, Token);

        Assert.Equal(ContentHash.Compute(File.ReadAllBytes(source)).ToString(), hash);
        Assert.True(await pool.ExistsAsync(hash, Token));
        Assert.True(await pool.OnCacheAsync(hash, Token));
        var cached = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(cached));
        Assert.Equal(5000, await pool.UsedSpaceAsync(Token));
        Assert.Equal(5000.0 / (1 << 20), await pool.UsageRatioAsync(Token), 9);
        Assert.Equal(5000, await pool.TotalIncomingAsync(Token));
        Assert.Equal(5000, await pool.CurrentIncomingAsync(Token));
        var info = await pool.InfoAsync(hash, Token);
        Assert.NotNull(info);
        Assert.Equal("report.pdf", info.FileName);
        Assert.Equal(5000, info.FileSize);
        Assert.Empty(info.Uploads);
        Assert.Equal(new QueueInfo(1, 5000), await pool.UploadQueueInfoAsync(Token));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task UploadAsync_twice_returns_the_same_hash_and_adds_nothing()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 3000, 2);
        var first = await pool.UploadAsync(source, Token);
        var copy = _harness.Folder.Combine("renamed.bin");
        File.Copy(source, copy);
        var second = await pool.UploadAsync(copy, Token);

        Assert.Equal(first, second);
        Assert.Equal(3000, await pool.UsedSpaceAsync(Token));
        Assert.Equal(3000, await pool.TotalIncomingAsync(Token));
        Assert.Equal("a.bin", (await pool.InfoAsync(first, Token))!.FileName);
        Assert.Single(await pool.ListFilesAsync(cancellationToken: Token));
    }

    [Fact]
    public async Task UploadAsync_of_a_file_larger_than_the_cache_fails_and_leaves_nothing()
    {
        var pool = _harness.Open(capacity: 10_000);
        var source = _harness.WriteFile("big.bin", 9_001, 3);
        var error = await Assert.ThrowsAsync<CacheFullException>(() => pool.UploadAsync(source, Token));

        Assert.False(error.IsTransient);
        Assert.Equal(9_000, error.LimitBytes);
        Assert.Equal(0, await pool.UsedSpaceAsync(Token));
        Assert.Empty(await pool.ListFilesAsync(cancellationToken: Token));
        Assert.DoesNotContain(Directory.EnumerateFiles(_harness.Storage, "*", SearchOption.AllDirectories), f => !f.EndsWith(".lock", StringComparison.Ordinal) && !f.EndsWith("node-id", StringComparison.Ordinal) && !f.EndsWith(".owner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UploadAsync_of_a_missing_file_says_so()
    {
        var pool = _harness.Open();
        await Assert.ThrowsAsync<FileNotFoundException>(() => pool.UploadAsync(_harness.Folder.Combine("nope"), Token));
    }

    [Fact]
    public async Task SyncAsync_copies_to_every_host_and_makes_the_file_safe()
    {
        var pool = _harness.Open();
        var hash = await pool.UploadAsync(_harness.WriteFile("a.bin", 4000, 4), Token);
        var report = await pool.SyncAsync(Token);

        var file = Assert.Single(report.Files);
        Assert.Equal(0, file.CopiesBefore);
        Assert.Equal(3, file.CopiesAfter);
        Assert.True(file.IsSafe);
        Assert.Equal(3, report.CopiesMade);
        Assert.Equal(1, report.FilesMadeSafe);
        Assert.Equal(12_000, await pool.TotalOutgoingAsync(Token));
        Assert.Equal(new QueueInfo(0, 0), await pool.UploadQueueInfoAsync(Token));
        Assert.Equal(new QueueInfo(1, 4000), await pool.ExportQueueInfoAsync(Token));
        var info = await pool.InfoAsync(hash, Token);
        Assert.Equal(["host-1", "host-2", "host-3"], info!.Uploads.Select(u => u.HostName).Order());
        Assert.All(info.Uploads, u => Assert.False(u.IsError));
        foreach (var folder in _harness.HostFolders)
        {
            Assert.True(File.Exists(Path.Combine(folder, hash[..2], hash)));
        }

        Assert.Empty((await pool.SyncAsync(Token)).Files);
    }

    [Fact]
    public async Task SyncAsync_replaces_a_failing_host_with_the_next_candidate()
    {
        var harness = new PoolHarness(hostCount: 4);
        await using var _ = harness;
        var hosts = harness.NewHosts();
        hosts[0].FailUploads = true;
        var pool = harness.Open(hosts: hosts);
        // Two syncs: the second file goes to the least loaded hosts first, so host-1 is tried by then at the
        // latest, and once it has failed it is ranked last.
        var first = await pool.UploadAsync(harness.WriteFile("a.bin", 100, 5), Token);
        Assert.Equal(3, Assert.Single((await pool.SyncAsync(Token)).Files).CopiesAfter);
        var second = await pool.UploadAsync(harness.WriteFile("b.bin", 100, 6), Token);
        Assert.Equal(3, Assert.Single((await pool.SyncAsync(Token)).Files).CopiesAfter);

        Assert.Equal(1, hosts[0].Uploads);
        foreach (var hash in new[] { first, second })
        {
            var info = await pool.InfoAsync(hash, Token);
            Assert.Equal(["host-2", "host-3", "host-4"], info!.Uploads.Where(u => !u.IsError).Select(u => u.HostName).Order());
        }

        var health = (await pool.HostHealthAsync(Token)).Single(h => h.HostName == "host-1");
        Assert.Equal(1, health.ConsecutiveFailures);
        Assert.Contains("injected", health.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_hosts_failing_leaves_the_file_pending_pinned_and_retried()
    {
        var hosts = _harness.NewHosts();
        hosts.ForEach(h => h.FailUploads = true);
        var pool = _harness.Open(capacity: 10_000, hosts: hosts);
        var first = await pool.UploadAsync(_harness.WriteFile("a.bin", 5000, 6), Token);
        var report = await pool.SyncAsync(Token);

        Assert.False(Assert.Single(report.Files).IsSafe);
        Assert.Equal(3, report.FailedAttempts);
        Assert.Equal(1, report.FilesStillPending);
        Assert.Equal(0, await pool.TotalOutgoingAsync(Token));
        Assert.DoesNotContain((await pool.InfoAsync(first, Token))!.Uploads, u => !u.IsError);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.EvictAsync(first, Token));
        var second = _harness.WriteFile("b.bin", 5000, 7);
        var full = await Assert.ThrowsAsync<CacheFullException>(() => pool.UploadAsync(second, Token));
        Assert.True(full.IsTransient);
        Assert.True(await pool.OnCacheAsync(first, Token));
        Assert.Null(await pool.DataDumpAsync(100_000, Token));

        hosts.ForEach(h => h.FailUploads = false);
        var retry = await pool.SyncAsync(Token);
        Assert.True(Assert.Single(retry.Files).IsSafe);
        Assert.Equal(3, retry.Retried);
        await pool.UploadAsync(second, Token);
        Assert.False(await pool.OnCacheAsync(first, Token));
        Assert.True(await pool.ExistsAsync(first, Token));
    }

    [Fact]
    public async Task Safe_file_is_evicted_and_brought_back_verified()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 70_000, 8);
        var hash = await pool.UploadAsync(source, Token);
        await pool.SyncAsync(Token);

        Assert.True(await pool.EvictAsync(hash, Token));
        Assert.False(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(0, await pool.UsedSpaceAsync(Token));
        var path = await pool.WarmUpAsync(hash, Token);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path));
        Assert.True(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(70_000, await pool.UsedSpaceAsync(Token));
        Assert.Equal(140_000, await pool.TotalIncomingAsync(Token));
    }

    [Fact]
    public async Task Host_serving_wrong_bytes_is_skipped_and_its_copy_marked_damaged()
    {
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(hosts: hosts);
        var source = _harness.WriteFile("a.bin", 20_000, 9);
        var hash = await UploadSafeAndEvictAsync(pool, source);
        hosts[0].CorruptReads = true;
        hosts[1].TruncateReads = true;

        var path = await pool.WarmUpAsync(hash, Token);

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path));
        var copies = await pool.Catalog.GetCopiesAsync(ContentHash.Parse(hash), Token);
        var health = await pool.HostHealthAsync(Token);
        foreach (var bad in new[] { "host-1", "host-2" })
        {
            if (hosts.Single(h => h.Name == bad).Reads > 0)
            {
                Assert.Equal(CopyState.Damaged, copies.Single(c => c.HostName == bad).State);
                Assert.True(health.Single(h => h.HostName == bad).Failures > 0);
            }
        }

        Assert.Equal(CopyState.Stored, copies.Single(c => c.HostName == "host-3").State);
    }

    [Fact]
    public async Task WarmUpAsync_fails_clearly_when_no_host_can_deliver()
    {
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(hosts: hosts);
        var hash = await UploadSafeAndEvictAsync(pool, _harness.WriteFile("a.bin", 1000, 10));
        hosts.ForEach(h => h.FailReads = true);

        var error = await Assert.ThrowsAsync<ContentUnavailableException>(() => pool.WarmUpAsync(hash, Token));
        Assert.Equal(3, error.Failures.Count);
        Assert.True(error.IsTransient);
        Assert.False(await pool.OnCacheAsync(hash, Token));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Concurrent_warm_ups_of_one_file_share_one_download()
    {
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(hosts: hosts);
        var source = _harness.WriteFile("a.bin", 300_000, 11);
        var hash = await UploadSafeAndEvictAsync(pool, source);

        var paths = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => pool.WarmUpAsync(hash, Token), Token)));

        Assert.Single(paths.Distinct());
        Assert.Equal(1, hosts.Sum(h => h.Reads));
        Assert.Equal(300_000, await pool.UsedSpaceAsync(Token));
    }

    [Fact]
    public async Task Cache_file_deleted_behind_the_pools_back_is_fetched_again()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 2000, 12);
        var hash = await pool.UploadAsync(source, Token);
        await pool.SyncAsync(Token);
        var cached = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
        File.Delete(cached);

        Assert.False(await pool.OnCacheAsync(hash, Token));
        var path = await pool.WarmUpAsync(hash, Token);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path));
        Assert.Equal(2000, await pool.UsedSpaceAsync(Token));
    }

    [Fact]
    public async Task Reopening_reconciles_the_folder_with_the_catalog()
    {
        var pool = _harness.Open();
        var kept = await pool.UploadAsync(_harness.WriteFile("kept.bin", 1000, 13), Token);
        var deleted = await pool.UploadAsync(_harness.WriteFile("deleted.bin", 1500, 14), Token);
        await pool.SyncAsync(Token);
        await pool.DisposeAsync();

        File.Delete(Path.Combine(_harness.Storage, "objects", deleted[..2], deleted));
        File.WriteAllText(Path.Combine(_harness.Storage, "tmp", "leftover.partial"), "half");
        var orphan = new string('a', 64);
        Directory.CreateDirectory(Path.Combine(_harness.Storage, "objects", "aa"));
        File.WriteAllText(Path.Combine(_harness.Storage, "objects", "aa", orphan), "stray");

        var reopened = _harness.Open();
        var report = await reopened.GetReconciliationAsync(Token);

        Assert.Equal(1, report.TempFilesRemoved);
        Assert.Equal(1, report.OrphansRemoved);
        Assert.Equal([ContentHash.Parse(deleted)], report.MissingFiles);
        Assert.Empty(report.LostFiles);
        Assert.Equal(1000, await reopened.UsedSpaceAsync(Token));
        Assert.True(await reopened.OnCacheAsync(kept, Token));
        Assert.False(File.Exists(Path.Combine(_harness.Storage, "objects", "aa", orphan)));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Reopening_adopts_a_verified_file_left_by_an_interrupted_warm_up()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 1000, 15);
        var hash = await UploadSafeAndEvictAsync(pool, source);
        await pool.DisposeAsync();
        var target = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);

        var reopened = _harness.Open();
        Assert.Equal(1, (await reopened.GetReconciliationAsync(Token)).OrphansAdopted);
        Assert.True(await reopened.OnCacheAsync(hash, Token));
        Assert.Equal(1000, await reopened.UsedSpaceAsync(Token));
    }

    [Fact]
    public async Task Eviction_follows_the_policy_and_spares_pinned_files()
    {
        var pool = _harness.Open(capacity: 10_000, policy: EvictionPolicies.Lru);
        var a = await pool.UploadAsync(_harness.WriteFile("a", 3000, 16), Token);
        var b = await pool.UploadAsync(_harness.WriteFile("b", 3000, 17), Token);
        var c = await pool.UploadAsync(_harness.WriteFile("c", 2000, 18), Token);
        await pool.SyncAsync(Token);
        Assert.True(await pool.PinAsync(a, Token));
        await pool.WarmUpAsync(b, Token);

        var d = await pool.UploadAsync(_harness.WriteFile("d", 2000, 19), Token);

        Assert.True(await pool.OnCacheAsync(a, Token));
        Assert.True(await pool.OnCacheAsync(b, Token));
        Assert.False(await pool.OnCacheAsync(c, Token));
        Assert.True(await pool.OnCacheAsync(d, Token));
        Assert.True(await pool.UsedSpaceAsync(Token) <= pool.CacheLimit);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.EvictAsync(a, Token));
        Assert.True(await pool.UnpinAsync(a, Token));
        Assert.True(await pool.EvictAsync(a, Token));
    }

    [Fact]
    public async Task Cache_hits_are_recorded_in_batches_and_kept_when_the_pool_closes()
    {
        var pool = _harness.Open();
        var hash = await pool.UploadAsync(_harness.WriteFile("a", 100, 40), Token);
        await pool.WarmUpAsync(hash, Token);
        await pool.WarmUpAsync(hash, Token);
        await pool.DisposeAsync();

        var reopened = _harness.Open();
        var entry = await reopened.Catalog.FindCacheEntryAsync(await reopened.GetNodeIdAsync(Token), ContentHash.Parse(hash), Token);
        Assert.Equal(3, entry!.AccessCount);
    }

    [Fact]
    public async Task Largest_first_policy_evicts_the_largest_file()
    {
        var pool = _harness.Open(capacity: 10_000, policy: EvictionPolicies.LargestFirst);
        var big = await pool.UploadAsync(_harness.WriteFile("big", 4000, 20), Token);
        var small = await pool.UploadAsync(_harness.WriteFile("small", 1000, 21), Token);
        var mid = await pool.UploadAsync(_harness.WriteFile("mid", 3000, 22), Token);
        await pool.SyncAsync(Token);
        await pool.UploadAsync(_harness.WriteFile("new", 2000, 23), Token);

        Assert.False(await pool.OnCacheAsync(big, Token));
        Assert.True(await pool.OnCacheAsync(small, Token));
        Assert.True(await pool.OnCacheAsync(mid, Token));
    }

    [Fact]
    public async Task Dump_then_load_into_an_empty_catalog_reproduces_files_and_copies()
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

    [Fact]
    public async Task Transfer_meter_starts_a_new_month_in_UTC()
    {
        var pool = _harness.Open();
        await pool.UploadAsync(_harness.WriteFile("a.bin", 100, 29), Token);
        _harness.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 1, TimeSpan.Zero));
        await pool.UploadAsync(_harness.WriteFile("b.bin", 50, 30), Token);

        Assert.Equal(50, await pool.CurrentIncomingAsync(Token));
        Assert.Equal(150, await pool.TotalIncomingAsync(Token));
        Assert.Equal(0, await pool.CurrentOutgoingAsync(Token));
    }

    [Fact]
    public async Task Block_cursor_is_kept()
    {
        var pool = _harness.Open();
        Assert.Equal(0, await pool.LastKnownBlockAsync(Token));
        await pool.VisitBlockAsync(42, Token);
        await pool.DisposeAsync();
        Assert.Equal(42, await _harness.Open().LastKnownBlockAsync(Token));
    }

    [Fact]
    public async Task DownloadAsync_to_a_path_copies_durably_and_refuses_to_overwrite()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 1234, 31);
        var hash = await pool.UploadAsync(source, Token);
        var target = _harness.Folder.Combine("out", "a.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);

        await pool.DownloadAsync(hash, target, overwrite: false, Token);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(target));
        await Assert.ThrowsAsync<IOException>(() => pool.DownloadAsync(hash, target, overwrite: false, Token));
        await pool.DownloadAsync(hash, target, overwrite: true, Token);
        Assert.Equal(1234 * 2, await pool.TotalOutgoingAsync(Token));
        Assert.Single(Directory.EnumerateFiles(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public async Task DownloadBypassingCacheAsync_streams_an_evicted_file_from_a_good_host_to_the_path_and_leaves_the_cache_alone()
    {
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(hosts: hosts);
        var source = _harness.WriteFile("a.bin", 50_000, 12);
        var hash = await UploadSafeAndEvictAsync(pool, source);
        var incoming = await pool.TotalIncomingAsync(Token);
        var outgoing = await pool.TotalOutgoingAsync(Token);
        hosts[0].CorruptReads = true;
        hosts[1].TruncateReads = true;
        var target = _harness.Folder.Combine("out", "a.bin");
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);

        await pool.DownloadBypassingCacheAsync(hash, target, overwrite: false, cancellationToken: Token);

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(target));
        Assert.Single(Directory.EnumerateFileSystemEntries(folder));
        Assert.False(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(0, await pool.UsedSpaceAsync(Token));
        Assert.Equal(incoming + 50_000, await pool.TotalIncomingAsync(Token));
        Assert.Equal(outgoing + 50_000, await pool.TotalOutgoingAsync(Token));
        await Assert.ThrowsAsync<IOException>(() => pool.DownloadBypassingCacheAsync(hash, target, overwrite: false, cancellationToken: Token));

        // No good copy left: the download fails and leaves nothing beside the destination.
        hosts[2].CorruptReads = true;
        File.Delete(target);
        await Assert.ThrowsAsync<ContentUnavailableException>(() => pool.DownloadBypassingCacheAsync(hash, target, overwrite: false, cancellationToken: Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public async Task DownloadAsync_of_an_evicted_file_writes_the_cache_and_the_destination_from_one_good_fetch()
    {
        // Large enough for direct writes, with a tail that is not a whole block.
        const int Length = (9 << 20) + 4097;
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(capacity: 64 << 20, hosts: hosts);
        var source = _harness.WriteFile("big.bin", Length, 41);
        var hash = await UploadSafeAndEvictAsync(pool, source);
        var incoming = await pool.TotalIncomingAsync(Token);
        var outgoing = await pool.TotalOutgoingAsync(Token);
        hosts[0].CorruptReads = true;
        hosts[1].TruncateReads = true;
        var target = _harness.Folder.Combine("out", "big.bin");
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);

        await pool.DownloadAsync(hash, target, overwrite: false, Token);

        var expected = File.ReadAllBytes(source);
        Assert.Equal(expected, File.ReadAllBytes(target));
        Assert.Single(Directory.EnumerateFileSystemEntries(folder));
        Assert.True(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(expected, File.ReadAllBytes(await pool.WarmUpAsync(hash, Token)));
        Assert.Equal(Length, await pool.UsedSpaceAsync(Token));
        Assert.Equal(incoming + Length, await pool.TotalIncomingAsync(Token));
        Assert.Equal(outgoing + Length, await pool.TotalOutgoingAsync(Token));
        Assert.Empty(Directory.EnumerateFiles(_harness.Storage, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task DownloadAsync_with_no_good_copy_anywhere_leaves_nothing_beside_the_destination_or_in_the_cache()
    {
        var hosts = _harness.NewHosts();
        var pool = _harness.Open(capacity: 64 << 20, hosts: hosts);
        var hash = await UploadSafeAndEvictAsync(pool, _harness.WriteFile("big.bin", (8 << 20) + 1, 44));
        hosts.ForEach(h => h.CorruptReads = true);
        var folder = _harness.Folder.CreateFolder("out");

        await Assert.ThrowsAsync<ContentUnavailableException>(() => pool.DownloadAsync(hash, Path.Combine(folder, "big.bin"), overwrite: false, Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        Assert.Empty(Directory.EnumerateFiles(_harness.Storage, "*.partial", SearchOption.AllDirectories));
        Assert.False(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(0, await pool.UsedSpaceAsync(Token));
    }

    [Fact]
    public async Task DownloadAsync_delivers_an_evicted_file_the_cache_has_no_room_for_and_leaves_the_cache_as_it_was()
    {
        var pool = _harness.Open(capacity: 100_000);
        var big = _harness.WriteFile("big.bin", 60_000, 42);
        var bigHash = await pool.UploadAsync(big, Token);
        await pool.SyncAsync(Token);
        await pool.EvictAsync(bigHash, Token);
        var pinned = await pool.UploadAsync(_harness.WriteFile("pinned.bin", 50_000, 43), Token);
        await pool.SyncAsync(Token);
        Assert.True(await pool.PinAsync(pinned, Token));
        var target = _harness.Folder.Combine("big-copy.bin");

        await pool.DownloadAsync(bigHash, target, overwrite: false, Token);

        Assert.Equal(File.ReadAllBytes(big), File.ReadAllBytes(target));
        Assert.False(await pool.OnCacheAsync(bigHash, Token));
        Assert.True(await pool.OnCacheAsync(pinned, Token));
        Assert.Equal(50_000, await pool.UsedSpaceAsync(Token));
    }

    /// <summary>Uploads a file, syncs it to the hosts and evicts it: a file that only the hosts hold.</summary>
    private static async Task<string> UploadSafeAndEvictAsync(CloudPool pool, string source)
    {
        var hash = await pool.UploadAsync(source, Token);
        await pool.SyncAsync(Token);
        await pool.EvictAsync(hash, Token);
        return hash;
    }

    [Fact]
    public async Task DownloadBypassingCacheAsync_copies_a_cached_file_out_of_the_cache()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 4321, 13);
        var hash = await pool.UploadAsync(source, Token);
        var target = _harness.Folder.Combine("copy.bin");

        await pool.DownloadBypassingCacheAsync(hash, target, overwrite: false, cancellationToken: Token);

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(target));
        Assert.True(await pool.OnCacheAsync(hash, Token));
        await Assert.ThrowsAsync<UnknownContentException>(() => pool.DownloadBypassingCacheAsync(new string('0', 64), target, overwrite: true, cancellationToken: Token));
    }

    [Fact]
    public async Task Two_pools_on_one_catalog_and_cache_do_not_corrupt_each_other()
    {
        var a = _harness.Open(capacity: 400_000);
        var b = _harness.Open(capacity: 400_000);
        var sources = Enumerable.Range(0, 24).Select(i => _harness.WriteFile($"f{i}", 10_000 + i, 200 + i)).ToList();

        var hashes = await Task.WhenAll(sources.Select((s, i) => Task.Run(async () =>
        {
            var pool = i % 2 == 0 ? a : b;
            var hash = await pool.UploadAsync(s, Token);
            if (i % 3 == 0)
            {
                await pool.SyncAsync(Token);
            }

            return hash;
        }, Token)));
        await a.SyncAsync(Token);

        var used = await a.UsedSpaceAsync(Token);
        Assert.True(used <= a.CacheLimit);
        var cached = Directory.EnumerateFiles(Path.Combine(_harness.Storage, "objects"), "*", SearchOption.AllDirectories).ToList();
        Assert.Equal(used, cached.Sum(f => new FileInfo(f).Length));
        foreach (var (hash, source) in hashes.Zip(sources))
        {
            Assert.True(await b.ExistsAsync(hash, Token));
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(await b.WarmUpAsync(hash, Token)));
        }
    }

    [Fact]
    public async Task A_catalog_newer_than_the_code_is_refused()
    {
        var pool = _harness.Open();
        await pool.ExistsAsync(Unknown, Token);
        await pool.DisposeAsync();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_harness.Database};Pooling=False"))
        {
            await connection.OpenAsync(Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO cm_schema (version) VALUES (99)";
            await command.ExecuteNonQueryAsync(Token);
        }

        var error = await Assert.ThrowsAsync<CatalogVersionException>(() => _harness.Open().ExistsAsync(Unknown, Token));
        Assert.Equal(99, error.FoundVersion);
        Assert.Contains("upgrade cloud-manager", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetupDatabaseAsync_creates_and_upgrades_idempotently()
    {
        var path = _harness.Folder.Combine("setup", "new.db");
        Assert.Equal(SqlCatalog.SchemaVersion, await CloudPool.SetupDatabaseAsync(path, Token));
        Assert.Equal(SqlCatalog.SchemaVersion, await CloudPool.SetupDatabaseAsync(path, Token));
        Assert.True(File.Exists(path));
    }
}
