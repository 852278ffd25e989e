using CloudManager.Catalog;
using CloudManager.Testing;

namespace CloudManager.Tests.Pool;

public sealed class VerifyAndRepairTests : IAsyncLifetime
{
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private string CopyPath(int host, string hash) => Path.Combine(_harness.HostFolders[host], hash[..2], hash);

    private async Task<(CloudPool Pool, string Hash, byte[] Bytes)> SafeEvictedFileAsync()
    {
        var pool = _harness.Open();
        var source = _harness.WriteFile("a.bin", 40_000, 1);
        var hash = await pool.UploadAsync(source, Token);
        await pool.SyncAsync(Token);
        await pool.EvictAsync(hash, Token);
        return (pool, hash, File.ReadAllBytes(source));
    }

    [Fact]
    public async Task VerifyAsync_finds_every_copy_good_when_nothing_happened()
    {
        var (pool, _, _) = await SafeEvictedFileAsync();
        var report = await pool.VerifyAsync(deep: true, cancellationToken: Token);

        var file = Assert.Single(report.Files);
        Assert.Equal(3, file.GoodCopies);
        Assert.True(file.IsSafe);
        Assert.Equal(0, report.LostCopies);
    }

    [Fact]
    public async Task A_lost_copy_is_found_marked_and_copied_again_by_the_next_sync()
    {
        var (pool, hash, bytes) = await SafeEvictedFileAsync();
        File.Delete(CopyPath(1, hash));

        var report = await pool.VerifyAsync(cancellationToken: Token);

        Assert.Equal(1, report.LostCopies);
        Assert.Equal(CopyCheck.Missing, report.Files[0].Copies.Single(c => c.HostName == "host-2").Result);
        Assert.True(report.Files[0].IsSafe);
        var copies = await pool.Catalog.GetCopiesAsync(ContentHash.Parse(hash), Token);
        Assert.Equal(CopyState.Missing, copies.Single(c => c.HostName == "host-2").State);
        Assert.Equal(2, (await pool.Catalog.FindFileAsync(ContentHash.Parse(hash), Token))!.StoredCopies);

        var sync = await pool.SyncAsync(Token);

        var repaired = Assert.Single(sync.Files);
        Assert.Equal(2, repaired.CopiesBefore);
        Assert.Equal(3, repaired.CopiesAfter);
        Assert.Equal(bytes, File.ReadAllBytes(CopyPath(1, hash)));
        Assert.Equal(0, (await pool.VerifyAsync(deep: true, cancellationToken: Token)).LostCopies);
    }

    [Fact]
    public async Task Only_a_deep_check_finds_bytes_damaged_in_place()
    {
        var (pool, hash, _) = await SafeEvictedFileAsync();
        var damaged = File.ReadAllBytes(CopyPath(0, hash));
        damaged[100] ^= 0xff;
        File.WriteAllBytes(CopyPath(0, hash), damaged);

        Assert.Equal(0, (await pool.VerifyAsync(deep: false, cancellationToken: Token)).LostCopies);
        var deep = await pool.VerifyAsync(deep: true, cancellationToken: Token);

        Assert.Equal(CopyCheck.Damaged, deep.Files[0].Copies.Single(c => c.HostName == "host-1").Result);
        await pool.SyncAsync(Token);
        Assert.Equal(0, (await pool.VerifyAsync(deep: true, cancellationToken: Token)).LostCopies);
    }

    [Fact]
    public async Task An_unreachable_host_changes_nothing()
    {
        var (pool, hash, _) = await SafeEvictedFileAsync();
        var moved = _harness.HostFolders[2] + ".unmounted";
        Directory.Move(_harness.HostFolders[2], moved);

        var report = await pool.VerifyAsync(cancellationToken: Token);

        Assert.Equal(1, report.UncheckedCopies);
        Assert.Equal(0, report.LostCopies);
        Assert.Equal(3, (await pool.Catalog.FindFileAsync(ContentHash.Parse(hash), Token))!.StoredCopies);
        Directory.Move(moved, _harness.HostFolders[2]);
    }
}
