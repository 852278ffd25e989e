using CloudManager.Catalog;
using CloudManager.Eviction;
using CloudManager.Testing;

namespace CloudManager.Tests.Pool;

/// <summary>Uploads of many files in batches: the same outcome as one upload per file, and no row without its bytes when a file of a batch fails.</summary>
public sealed class BatchUploadTests : IAsyncDisposable
{
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private PoolUnderCheck Under(CloudPool pool, IReadOnlyCollection<string> reported) => new(
        _harness.Database,
        _harness.Storage,
        _harness.HostFolders.Select((path, i) => (Name: $"host-{i + 1}", Path: path)).ToDictionary(h => h.Name, h => h.Path, StringComparer.Ordinal),
        pool.Capacity)
    { ReportedUploads = reported };

    private string[] TempFiles() =>
        Directory.Exists(Path.Combine(_harness.Storage, "tmp"))
            ? Directory.GetFiles(Path.Combine(_harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories)
            : [];

    [Fact]
    public async Task Small_and_large_files_and_duplicates_come_back_in_order_each_recorded_and_cached()
    {
        var pool = _harness.Open(capacity: 64L << 20);
        var paths = new List<string>();
        for (var i = 0; i < CloudPool.FilesPerBatch + 10; i++)
        {
            paths.Add(_harness.WriteFile($"small-{i:D4}.bin", 100 + i, i));
        }

        paths.Insert(7, _harness.WriteFile("large.bin", CloudPool.BatchedFileLimit + 1, 9_999));
        paths.Add(_harness.WriteFile("copy-of-small-3.bin", 103, 3));
        paths.Add(_harness.WriteFile("empty.bin", 0, 0));
        var reported = new List<(int Index, string Hash)>();
        long lastProgress = 0;

        var hashes = await pool.UploadFilesAsync(paths, (i, h) => reported.Add((i, h)), new SynchronousProgress(p => lastProgress = p), Token);

        Assert.Equal(paths.Select(p => ContentHash.Compute(File.ReadAllBytes(p)).ToString()), hashes);
        Assert.Equal(Enumerable.Range(0, paths.Count), reported.Select(r => r.Index));
        Assert.Equal(hashes, reported.Select(r => r.Hash));
        Assert.Equal(paths.Sum(p => new FileInfo(p).Length), lastProgress);
        foreach (var hash in hashes.Distinct())
        {
            Assert.True(await pool.OnCacheAsync(hash, Token), hash);
        }

        var info = await pool.InfoAsync(hashes[0], Token);
        Assert.Equal("small-0000.bin", info!.DisplayName);
        Assert.Empty(TempFiles());
        await pool.DisposeAsync();
        var report = await PoolInvariants.CheckAsync(Under(pool, hashes.ToList()), Token);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(hashes.Distinct().Count(), report.CachedFiles);
    }

    [Fact]
    public async Task A_missing_file_fails_its_batch_alone_and_no_later_batch_is_read()
    {
        var pool = _harness.Open(capacity: 64L << 20);
        var paths = Enumerable.Range(0, CloudPool.FilesPerBatch + 5).Select(i => _harness.WriteFile($"f-{i:D4}.bin", 500, 100 + i)).ToList();
        File.Delete(paths[3]);
        var reported = new List<(int Index, string Hash)>();

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => pool.UploadFilesAsync(paths, (i, h) => reported.Add((i, h)), null, Token));

        Assert.Contains(paths[3], error.Message, StringComparison.Ordinal);
        // Every other file of the first batch is recorded and reported; none of the next batch is.
        Assert.Equal(Enumerable.Range(0, CloudPool.FilesPerBatch).Where(i => i != 3), reported.Select(r => r.Index));
        foreach (var (index, hash) in reported)
        {
            Assert.Equal(ContentHash.Compute(File.ReadAllBytes(paths[index])).ToString(), hash);
            Assert.True(await pool.OnCacheAsync(hash, Token));
        }

        foreach (var path in paths.Skip(CloudPool.FilesPerBatch))
        {
            Assert.False(await pool.ExistsAsync(ContentHash.Compute(File.ReadAllBytes(path)).ToString(), Token));
        }

        Assert.Empty(TempFiles());
        await pool.DisposeAsync();
        var report = await PoolInvariants.CheckAsync(Under(pool, reported.Select(r => r.Hash).ToList()), Token);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(CloudPool.FilesPerBatch - 1, report.CachedFiles);
    }

    [Fact]
    public async Task A_batch_that_does_not_fit_whole_records_the_files_that_fit_and_fails_on_the_rest()
    {
        // 0.9 of 40 KB holds three pending files of 10 KB; pending files cannot be evicted.
        var pool = _harness.Open(capacity: 40_000);
        var paths = Enumerable.Range(0, 5).Select(i => _harness.WriteFile($"p-{i}.bin", 10_000, 200 + i)).ToList();
        var reported = new List<int>();

        await Assert.ThrowsAsync<CacheFullException>(() => pool.UploadFilesAsync(paths, (i, _) => reported.Add(i), null, Token));

        Assert.Equal([0, 1, 2], reported);
        Assert.Empty(TempFiles());
        await pool.DisposeAsync();
        var report = await PoolInvariants.CheckAsync(
            Under(pool, paths.Take(3).Select(p => ContentHash.Compute(File.ReadAllBytes(p)).ToString()).ToList()), Token);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(3, report.CachedFiles);
    }

    [Fact]
    public async Task A_cancelled_batch_records_nothing_and_leaves_no_temp_file()
    {
        var pool = _harness.Open(capacity: 64L << 20);
        var paths = Enumerable.Range(0, 50).Select(i => _harness.WriteFile($"c-{i}.bin", 1_000, 300 + i)).ToList();
        using var cancelled = new CancellationTokenSource();
        await pool.OnCacheAsync(ContentHash.Compute([]).ToString(), Token);
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.UploadFilesAsync(paths, null, null, cancelled.Token));

        Assert.Empty(TempFiles());
        Assert.False(await pool.ExistsAsync(ContentHash.Compute(File.ReadAllBytes(paths[0])).ToString(), Token));
    }

    [Fact]
    public async Task A_batch_the_catalog_refuses_is_recorded_not_at_all()
    {
        var pool = _harness.Open(capacity: 64L << 20);
        var first = await pool.UploadAsync(_harness.WriteFile("known.bin", 1_000, 400), Token);
        var node = await pool.GetNodeIdAsync(Token);
        var now = _harness.Clock.GetUtcNow();
        var fresh = new FileRecord(ContentHash.Compute([1, 2, 3]), 3, "fresh.bin", now, 0, null, null);
        var conflicting = new FileRecord(ContentHash.Parse(first), 999, "known.bin", now, 0, null, null);

        await Assert.ThrowsAsync<CatalogException>(() => pool.Catalog.AddCachedFilesAsync(node, [fresh, conflicting], EvictionPolicies.Default, now, Token));

        Assert.Null(await pool.Catalog.FindFileAsync(fresh.Hash, Token));
    }

    [Fact]
    public async Task Hits_recorded_in_one_batch_leave_the_entries_one_by_one_hits_leave()
    {
        await using var other = new PoolHarness();
        var pools = new[] { _harness.Open(capacity: 64L << 20), other.Open(capacity: 64L << 20) };
        var hashes = new List<ContentHash>[2];
        for (var p = 0; p < 2; p++)
        {
            var harness = p == 0 ? _harness : other;
            hashes[p] = [];
            for (var i = 0; i < 3; i++)
            {
                hashes[p].Add(ContentHash.Parse(await pools[p].UploadAsync(harness.WriteFile($"h-{i}.bin", 1_000 * (i + 1), 500 + i), Token)));
            }
        }

        int[] order = [0, 1, 0, 0, 2, 1, 0];
        var policy = EvictionPolicies.Default;
        var now = _harness.Clock.GetUtcNow();
        var batched = await pools[0].Catalog.RecordCacheHitsAsync(await pools[0].GetNodeIdAsync(Token), order.Select(i => hashes[0][i]).ToList(), policy, now, Token);
        var oneByOne = 0;
        foreach (var i in order)
        {
            oneByOne += await pools[1].Catalog.RecordCacheHitsAsync(await pools[1].GetNodeIdAsync(Token), [hashes[1][i]], policy, now, Token);
        }

        Assert.Equal(order.Length, batched);
        Assert.Equal(order.Length, oneByOne);
        for (var i = 0; i < 3; i++)
        {
            var a = await pools[0].Catalog.FindCacheEntryAsync(await pools[0].GetNodeIdAsync(Token), hashes[0][i], Token);
            var b = await pools[1].Catalog.FindCacheEntryAsync(await pools[1].GetNodeIdAsync(Token), hashes[1][i], Token);
            Assert.Equal(b, a);
        }
    }

    [Fact]
    public async Task Find_and_open_if_cached_opens_cached_files_only()
    {
        var pool = _harness.Open(capacity: 64L << 20, redundancy: 1, minCopies: 1);
        var path = _harness.WriteFile("open.bin", 5_000, 600);
        var hash = await pool.UploadAsync(path, Token);

        Assert.Null(await pool.FindAndOpenIfCachedAsync(ContentHash.Compute([9]).ToString(), Token));
        var cached = await pool.FindAndOpenIfCachedAsync(hash, Token);
        Assert.NotNull(cached?.CachedContent);
        await using (cached.CachedContent)
        {
            using var copy = new MemoryStream();
            await cached.CachedContent.CopyToAsync(copy, Token);
            Assert.Equal(await File.ReadAllBytesAsync(path, Token), copy.ToArray());
            Assert.Equal("open.bin", cached.File.Name);
        }

        await pool.SyncAsync(Token);
        Assert.True(await pool.EvictAsync(hash, Token));
        var evicted = await pool.FindAndOpenIfCachedAsync(hash, Token);
        Assert.NotNull(evicted);
        Assert.Null(evicted.CachedContent);
    }

    /// <summary>Reports on the caller's thread, so the last report is seen when the call returns.</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
