namespace CloudManager.Tests.Pool;

public sealed partial class CloudPoolTests
{
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
}
