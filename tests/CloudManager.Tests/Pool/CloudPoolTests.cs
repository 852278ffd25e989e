using CloudManager.Catalog;
using CloudManager.Testing;

namespace CloudManager.Tests.Pool;

/// <summary>
/// The pool's operations on a real SQLite catalog, cache folder and directory hosts. One file per
/// subject: upload, sync, warm-up and fetch, eviction, exchange of catalog data, download; this file
/// holds the fixture and the tests of hashes, the meter and the catalog's version.
/// </summary>
public sealed partial class CloudPoolTests : IAsyncLifetime
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
