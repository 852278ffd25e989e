using CloudManager.Testing;

namespace CloudManager.Tests.Names;

/// <summary>Paths are what they say: a download writes only regular files, --force or not.</summary>
public sealed class DownloadDestinationTests : IAsyncLifetime
{
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Theory]
    [InlineData("fifo", "fifo")]
    [InlineData("socket", "socket")]
    [InlineData("device", "character special file")]
    [InlineData("folder", "directory")]
    public async Task A_special_file_or_folder_at_the_destination_is_refused_and_left_as_it_was(string what, string kind)
    {
        var pool = _harness.Open();
        var hash = await pool.UploadAsync(_harness.WriteFile("data.bin", 5000, 1), Token);
        var target = _harness.Folder.Combine("target-" + what);
        using var socket = what == "socket" ? SpecialFiles.Socket(target) : null;
        target = what switch
        {
            "fifo" => SpecialFiles.Fifo(target),
            "device" => SpecialFiles.CharacterDevice(target),
            "folder" => Directory.CreateDirectory(target).FullName,
            _ => target,
        };

        foreach (var overwrite in new[] { false, true })
        {
            var cached = await Assert.ThrowsAsync<DestinationRefusedException>(() => pool.DownloadAsync(hash, target, overwrite, Token));
            Assert.Contains("only regular files", cached.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<DestinationRefusedException>(() => pool.DownloadBypassingCacheAsync(hash, target, overwrite, null, Token));
            Assert.Equal(kind, SpecialFiles.Kind(target));
        }

        // Not cached: the fetch path refuses it too, before anything is fetched.
        await pool.SyncAsync(Token);
        Assert.True(await pool.EvictAsync(hash, Token));
        await Assert.ThrowsAsync<DestinationRefusedException>(() => pool.DownloadBypassingCacheAsync(hash, target, true, null, Token));
        Assert.Equal(kind, SpecialFiles.Kind(target));
        Assert.Empty(Directory.GetFiles(_harness.Folder.Path, "*.partial"));
    }

    [Fact]
    public async Task A_link_at_the_destination_is_replaced_itself_never_what_it_points_to()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("data.bin", 3000, 2);
        var hash = await pool.UploadAsync(source, Token);
        var pointed = _harness.WriteFile("precious.txt", 100, 3);
        var before = File.ReadAllBytes(pointed);
        var link = _harness.Folder.Combine("link");
        File.CreateSymbolicLink(link, pointed);

        await Assert.ThrowsAsync<IOException>(() => pool.DownloadAsync(hash, link, false, Token));
        await pool.DownloadAsync(hash, link, true, Token);

        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(link));
        Assert.Equal(before, File.ReadAllBytes(pointed));
    }

    [Fact]
    public async Task A_dangling_link_counts_as_something_there()
    {
        var pool = _harness.Open();
        var hash = await pool.UploadAsync(_harness.WriteFile("data.bin", 300, 4), Token);
        var link = _harness.Folder.Combine("dangling");
        File.CreateSymbolicLink(link, _harness.Folder.Combine("nowhere"));

        await Assert.ThrowsAsync<IOException>(() => pool.DownloadBypassingCacheAsync(hash, link, false, null, Token));
        Assert.False(File.Exists(_harness.Folder.Combine("nowhere")));
    }
}
