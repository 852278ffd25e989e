using CloudManager.Testing;

namespace CloudManager.Tests.Pool;

/// <summary>The pool's stream-facing calls: uploads from a stream, reads held against eviction, the newest-first listing.</summary>
public sealed class CloudPoolStreamTests : IAsyncLifetime
{
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task UploadAsync_from_a_stream_records_the_name_and_counts_incoming_bytes()
    {
        var pool = _harness.Open();
        var bytes = new byte[100_000];
        new Random(1).NextBytes(bytes);

        var hash = await pool.UploadAsync(new NonSeekableStream(bytes), "from-a-stream.bin", Token);

        Assert.Equal(ContentHash.Compute(bytes).ToString(), hash);
        var payload = await pool.InfoAsync(hash, Token);
        Assert.Equal("from-a-stream.bin", payload!.FileName);
        Assert.Equal(bytes.Length, payload.FileSize);
        Assert.Equal(bytes.Length, await pool.TotalIncomingAsync(Token));
        Assert.True(await pool.OnCacheAsync(hash, Token));
    }

    [Fact]
    public async Task DownloadAsync_survives_another_process_evicting_the_file_while_it_starts()
    {
        // Two pools on one cache folder and catalog act as two processes of one node.
        var reader = _harness.Open();
        var evicter = _harness.Open();
        var hash = await reader.UploadAsync(_harness.WriteFile("shared.bin", 200_000, 3), Token);
        await reader.SyncAsync(Token);
        var target = _harness.Folder.Combine("out.bin");

        for (var round = 0; round < 40; round++)
        {
            var download = Task.Run(() => reader.DownloadAsync(hash, target, overwrite: true, Token), Token);
            var churn = Task.Run(
                async () =>
                {
                    await evicter.EvictAsync(hash, Token);
                    await evicter.WarmUpAsync(hash, Token);
                },
                Token);
            await Task.WhenAll(download, churn);
            Assert.Equal(hash, ContentHash.Compute(await File.ReadAllBytesAsync(target, Token)).ToString());
        }
    }

    [Fact]
    public async Task UploadAsync_from_a_stream_larger_than_the_cache_throws_and_leaves_nothing()
    {
        var pool = _harness.Open(capacity: 10_000);

        await Assert.ThrowsAsync<CacheFullException>(() => pool.UploadAsync(new NonSeekableStream(new byte[20_000]), "big.bin", Token));

        Assert.Empty(await pool.ListFilesAsync(cancellationToken: Token));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task UploadAsync_from_a_stream_replaces_a_name_that_is_not_a_base_name()
    {
        var pool = _harness.Open();

        var hash = await pool.UploadAsync(new MemoryStream([1, 2, 3]), "../escape", Token);

        Assert.Equal(hash[..10], (await pool.InfoAsync(hash, Token))!.FileName);
    }

    [Fact]
    public async Task OpenReadAsync_keeps_the_file_from_eviction_until_the_stream_is_disposed()
    {
        var pool = _harness.Open(capacity: 300_000, minCopies: 1, redundancy: 1);
        var held = await pool.UploadAsync(_harness.WriteFile("held.bin", 100_000, 2), Token);
        await pool.SyncAsync(Token);

        var stream = await pool.OpenReadAsync(held, Token);
        await using (stream)
        {
            // Filling the cache needs the held file's room: it is in use, so nothing can be evicted.
            await Assert.ThrowsAsync<CacheFullException>(() => pool.UploadAsync(_harness.WriteFile("big.bin", 200_000, 3), Token));
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Token);
            Assert.Equal(await File.ReadAllBytesAsync(_harness.Folder.Combine("held.bin"), Token), copy.ToArray());
        }

        await pool.UploadAsync(_harness.WriteFile("big.bin", 200_000, 3), Token);
        Assert.False(await pool.OnCacheAsync(held, Token));
    }

    [Fact]
    public async Task OpenReadAsync_fetches_an_evicted_file_and_can_seek()
    {
        var pool = _harness.Open();
        var path = _harness.WriteFile("seek.bin", 50_000, 4);
        var hash = await pool.UploadAsync(path, Token);
        await pool.SyncAsync(Token);
        await pool.EvictAsync(hash, Token);

        var stream = await pool.OpenReadAsync(hash, Token);
        await using (stream)
        {
            Assert.True(stream.CanSeek);
            Assert.Equal(50_000, stream.Length);
            stream.Seek(49_990, SeekOrigin.Begin);
            var tail = new byte[10];
            await stream.ReadExactlyAsync(tail, Token);
            Assert.Equal((await File.ReadAllBytesAsync(path, Token))[49_990..], tail);
        }

        await Assert.ThrowsAsync<UnknownContentException>(() => pool.OpenReadAsync(ContentHash.Compute([9]).ToString(), Token));
    }

    [Fact]
    public async Task ListNewestFilesAsync_pages_newest_first()
    {
        var pool = _harness.Open();
        var hashes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            hashes.Add(await pool.UploadAsync(new MemoryStream([(byte)i]), $"file-{i}", Token));
            _harness.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await pool.ListNewestFilesAsync(limit: 2, cancellationToken: Token);
        var second = await pool.ListNewestFilesAsync(first[^1].File.Hash.ToString(), 2, Token);
        var third = await pool.ListNewestFilesAsync(second[^1].File.Hash.ToString(), 2, Token);

        Assert.Equal(Enumerable.Reverse(hashes), first.Concat(second).Concat(third).Select(l => l.File.Hash.ToString()));
        await Assert.ThrowsAsync<ArgumentException>(() => pool.ListNewestFilesAsync(ContentHash.Compute([42]).ToString(), 2, Token));
    }

    /// <summary>A stream with no length, as a network body is.</summary>
    [Fact]
    public async Task A_small_file_looked_up_again_is_read_from_memory_until_the_pool_evicts_it()
    {
        var pool = _harness.Open(capacity: 64L << 20, redundancy: 1, minCopies: 1);
        var path = _harness.WriteFile("hot.bin", 30_000, 700);
        var hash = await pool.UploadAsync(path, Token);
        await pool.SyncAsync(Token);
        var bytes = await File.ReadAllBytesAsync(path, Token);

        // The first lookup asks the catalog and reads the file; the second, within the lookup's lifetime, keeps a copy.
        var first = await ReadCachedAsync(pool, hash);
        var second = await ReadCachedAsync(pool, hash);
        var third = await ReadCachedAsync(pool, hash);

        Assert.Equal([false, true, true], new[] { first.FromMemory, second.FromMemory, third.FromMemory });
        Assert.All([first, second, third], read => Assert.Equal(bytes, read.Bytes));
        Assert.Equal(bytes.Length, pool.HotFiles.Bytes);

        Assert.True(await pool.EvictAsync(hash, Token));
        Assert.Equal(0, pool.HotFiles.Count);
        Assert.Null((await pool.FindAndOpenIfCachedAsync(hash, Token))!.CachedContent);
    }

    [Fact]
    public async Task A_copy_in_memory_is_not_used_once_the_cached_file_is_replaced()
    {
        var pool = _harness.Open(capacity: 64L << 20, redundancy: 1, minCopies: 1);
        var hash = await pool.UploadAsync(_harness.WriteFile("replaced.bin", 30_000, 701), Token);
        await ReadCachedAsync(pool, hash);
        await ReadCachedAsync(pool, hash);
        Assert.Equal(1, pool.HotFiles.Count);

        // Another process puts other bytes of the same size in its place (a damaged copy, say).
        var cached = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
        var other = _harness.WriteFile("other.bin", 30_000, 702);
        File.Move(other, cached, overwrite: true);

        // What is served is what the folder holds now (the copy in memory is read again from it), not the old copy.
        var (read, _) = await ReadCachedAsync(pool, hash);
        Assert.Equal(await File.ReadAllBytesAsync(cached, Token), read);
        Assert.NotEqual(hash, ContentHash.Compute(read).ToString());
    }

    [Fact]
    public async Task Without_a_memory_cache_every_lookup_reads_the_cached_file()
    {
        var pool = _harness.Open(capacity: 64L << 20, memoryCacheBytes: 0);
        var path = _harness.WriteFile("cold.bin", 30_000, 703);
        var hash = await pool.UploadAsync(path, Token);

        var bytes = await File.ReadAllBytesAsync(path, Token);
        for (var i = 0; i < 3; i++)
        {
            var (read, fromMemory) = await ReadCachedAsync(pool, hash);
            Assert.Equal(bytes, read);
            Assert.False(fromMemory);
        }

        Assert.Equal(0, pool.HotFiles.Count);
    }

    /// <summary>The bytes of a cached file as <see cref="CloudPool.FindAndOpenIfCachedAsync"/> gives them, and whether they came from memory.</summary>
    private static async Task<(byte[] Bytes, bool FromMemory)> ReadCachedAsync(CloudPool pool, string hash)
    {
        var lookup = await pool.FindAndOpenIfCachedAsync(hash, Token);
        Assert.NotNull(lookup?.CachedContent);
        await using var stream = lookup.CachedContent;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Token);
        return (copy.ToArray(), stream is MemoryStream);
    }

    private sealed class NonSeekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
