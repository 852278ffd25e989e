using System.Security.Cryptography;
using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.Testing;
using CloudManager.Tests.Catalog;

namespace CloudManager.Tests.Cache;

/// <summary>
/// Opening a pool whose catalog does not know the cached files (a new catalog, an emptied one, the
/// wrong one) deletes nothing: good files are adopted as pending, bad ones are moved to quarantine.
/// On SQLite and PostgreSQL.
/// </summary>
public sealed class CacheAdoptionTests : IAsyncLifetime
{
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    public static TheoryData<string> Catalogs => ["sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Catalogs))]
    public async Task A_fresh_catalog_beside_a_full_cache_adopts_good_files_quarantines_bad_ones_and_loses_no_byte(string kind)
    {
        var uploaded = await FillCacheAsync(5);
        var corrupted = CacheFiles.Corrupt(_harness.Storage, uploaded.Keys.First());
        var misnamed = CacheFiles.Write(_harness.Storage, Path.Combine("objects", "zz", "notes.txt"), "not a cached file"u8.ToArray());
        var wrongShard = CacheFiles.Write(_harness.Storage, Path.Combine("objects", "00", Hash("elsewhere")), "elsewhere"u8.ToArray());
        var before = CacheFiles.Contents(_harness.Storage);

        var fresh = await FreshCatalogAsync(kind);
        var pool = _harness.Open(catalog: fresh.Open(), database: fresh.Database);
        var report = await pool.GetReconciliationAsync(Token);

        Assert.True(report.CatalogWasEmpty);
        Assert.Equal(uploaded.Count - 1, report.Adopted.Count);
        Assert.Equal(uploaded.Count - 1, report.RegisteredFiles);
        Assert.Equal(uploaded.Skip(1).Sum(f => (long)f.Value.Length), report.AdoptedBytes);
        Assert.Equal(
            new[] { corrupted, misnamed, wrongShard }.Order(StringComparer.Ordinal),
            report.Quarantined.Select(q => q.OriginalPath).Order(StringComparer.Ordinal));
        Assert.All(report.Quarantined, q => Assert.StartsWith(Path.Combine(_harness.Storage, "quarantine") + Path.DirectorySeparatorChar, q.QuarantinePath, StringComparison.Ordinal));
        Assert.Equal(0, report.TempFilesRemoved);
        Assert.Empty(report.MissingFiles);
        Assert.Contains(report.Notices(), n => n.Contains("is new or empty", StringComparison.Ordinal) && n.Contains("wrong catalog", StringComparison.Ordinal));
        Assert.Contains(report.Notices(), n => n.Contains("registered again as pending; run `cm sync`", StringComparison.Ordinal));
        Assert.Contains(report.Notices(), n => n.Contains(report.QuarantineFolder, StringComparison.Ordinal));

        // Every byte of every file is still in the cache folder, the bad ones in quarantine.
        Assert.Equal(before, CacheFiles.Contents(_harness.Storage));
        foreach (var (hash, bytes) in uploaded.Skip(1))
        {
            var file = await pool.FindFileAsync(hash, Token);
            Assert.NotNull(file);
            Assert.Equal(0, file.StoredCopies);
            Assert.Equal(hash[..10], file.Name);
            Assert.Equal(bytes.Length, file.Size);
            Assert.True(await pool.OnCacheAsync(hash, Token));
        }

        Assert.False(await pool.ExistsAsync(uploaded.Keys.First(), Token));
        var status = await pool.GetStatusAsync(Token);
        Assert.Equal(new QueueInfo(3, report.QuarantinedBytes), status.Cache.Quarantined);
        Assert.Equal(report.AdoptedBytes, status.Cache.UsedBytes);
        Assert.Equal(new QueueInfo(uploaded.Count - 1, report.AdoptedBytes), status.UploadQueue);

        // The next sync copies the adopted files; evicted, they come back with their bytes.
        var sync = await pool.SyncAsync(Token);
        Assert.Equal(0, sync.FailedAttempts);
        Assert.Equal(uploaded.Count - 1, sync.FilesMadeSafe);
        foreach (var (hash, bytes) in uploaded.Skip(1))
        {
            Assert.True(await pool.EvictAsync(hash, Token));
            Assert.Equal(bytes, await File.ReadAllBytesAsync(await pool.WarmUpAsync(hash, Token), Token));
        }
    }

    [Theory]
    [MemberData(nameof(Catalogs))]
    public async Task Reopening_after_adoption_changes_nothing(string kind)
    {
        var uploaded = await FillCacheAsync(3);
        CacheFiles.Corrupt(_harness.Storage, uploaded.Keys.Last());
        var fresh = await FreshCatalogAsync(kind);
        var first = _harness.Open(catalog: fresh.Open(), database: fresh.Database);
        var adopted = await first.GetReconciliationAsync(Token);
        var files = await first.ListFilesAsync(cancellationToken: Token);
        await first.DisposeAsync();
        var before = CacheFiles.Contents(_harness.Storage);

        var second = _harness.Open(catalog: fresh.Open(), database: fresh.Database);
        var again = await second.GetReconciliationAsync(Token);

        Assert.Equal(2, adopted.Adopted.Count);
        Assert.Single(adopted.Quarantined);
        Assert.True(again.WasClean);
        Assert.False(again.CatalogWasEmpty);
        Assert.Empty(again.Notices());
        Assert.Equal(files, await second.ListFilesAsync(cancellationToken: Token));
        Assert.Equal(before, CacheFiles.Contents(_harness.Storage));
        Assert.Equal(new QueueInfo(1, adopted.QuarantinedBytes), (await second.GetStatusAsync(Token)).Cache.Quarantined);
    }

    [Theory]
    [MemberData(nameof(Catalogs))]
    public async Task A_file_the_catalog_knows_gets_its_entry_back_under_its_own_name(string kind)
    {
        var fresh = await FreshCatalogAsync(kind);
        var pool = _harness.Open(catalog: fresh.Open(), database: fresh.Database);
        var source = _harness.WriteFile("report.pdf", 4000, 7);
        var hash = await pool.UploadAsync(source, Token);
        await pool.Catalog.RemoveCacheEntryAsync(await pool.GetNodeIdAsync(Token), ContentHash.Parse(hash), null, Token);
        await pool.DisposeAsync();

        var reopened = _harness.Open(catalog: fresh.Open(), database: fresh.Database);
        var report = await reopened.GetReconciliationAsync(Token);

        Assert.Equal([ContentHash.Parse(hash)], report.Adopted);
        Assert.Equal(0, report.RegisteredFiles);
        Assert.False(report.CatalogWasEmpty);
        Assert.Equal("report.pdf", (await reopened.FindFileAsync(hash, Token))!.Name);
        Assert.True(await reopened.OnCacheAsync(hash, Token));
        Assert.Equal(4000, await reopened.UsedSpaceAsync(Token));
        Assert.Equal(4000, await reopened.TotalIncomingAsync(Token));
    }

    [Fact]
    public async Task A_cached_file_of_the_wrong_size_is_quarantined_not_deleted()
    {
        var uploaded = await FillCacheAsync(2);
        var (hash, bytes) = uploaded.First();
        var path = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
        await File.AppendAllTextAsync(path, "tail", Token);

        var pool = _harness.Open();
        var report = await pool.GetReconciliationAsync(Token);

        var moved = Assert.Single(report.Quarantined);
        Assert.Equal(path, moved.OriginalPath);
        byte[] expected = [.. bytes, (byte)'t', (byte)'a', (byte)'i', (byte)'l'];
        Assert.Equal(expected, await File.ReadAllBytesAsync(moved.QuarantinePath, Token));
        Assert.Equal([ContentHash.Parse(hash)], report.MissingFiles);
        Assert.Equal([ContentHash.Parse(hash)], report.LostFiles);
        Assert.False(await pool.OnCacheAsync(hash, Token));
    }

    [Fact]
    public async Task QuarantineAsync_moves_the_file_with_a_timestamp_drops_its_entry_and_never_replaces_a_quarantined_file()
    {
        var uploaded = await FillCacheAsync(1);
        var (hash, bytes) = uploaded.First();
        var pool = _harness.Open();
        await pool.GetReconciliationAsync(Token);
        var content = ContentHash.Parse(hash);

        await pool.Cache.QuarantineAsync(content, "a host said so", Token);
        // The same file again in the same second: both copies are kept.
        var again = CacheFiles.Write(_harness.Storage, Path.Combine("objects", hash[..2], hash), bytes);
        await pool.Cache.QuarantineAsync(content, "again", Token);

        Assert.False(File.Exists(again));
        Assert.False(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(0, await pool.UsedSpaceAsync(Token));
        var stamp = _harness.Clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            [$"{hash}.{stamp}", $"{hash}.{stamp}-1"],
            Directory.GetFiles(Path.Combine(_harness.Storage, "quarantine")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(Directory.GetFiles(Path.Combine(_harness.Storage, "quarantine")), f => Assert.Equal(bytes, File.ReadAllBytes(f)));
        Assert.Equal(new QueueInfo(2, 2L * bytes.Length), (await pool.GetStatusAsync(Token)).Cache.Quarantined);
    }

    /// <summary>Uploads files through a pool on the harness's own catalog, then closes it: a cache full of files.</summary>
    private async Task<Dictionary<string, byte[]>> FillCacheAsync(int count)
    {
        var pool = _harness.Open(hosts: []);
        var uploaded = new Dictionary<string, byte[]>();
        for (var i = 0; i < count; i++)
        {
            var path = _harness.WriteFile($"file-{i}.bin", 1000 + (i * 777), 100 + i);
            uploaded[await pool.UploadAsync(path, Token)] = await File.ReadAllBytesAsync(path, Token);
        }

        await pool.DisposeAsync();
        return uploaded;
    }

    private async Task<FreshCatalog> FreshCatalogAsync(string kind)
    {
        if (kind == "sqlite")
        {
            return new FreshCatalog(_harness.Folder.Combine($"fresh-{Guid.NewGuid():N}.db"), () => null);
        }

        var catalog = (PostgresCatalog)await PostgresCatalogFixture.CreateAsync();
        var connection = catalog.ConnectionString;
        await catalog.DisposeAsync();
        return new FreshCatalog(null, () => PostgresCatalog.Open(connection));
    }

    private static string Hash(string text) => ContentHash.Compute(System.Text.Encoding.UTF8.GetBytes(text)).ToString();

    /// <summary>A catalog that knows nothing: a new SQLite file, or a new PostgreSQL schema opened anew each time.</summary>
    private sealed record FreshCatalog(string? Database, Func<ICatalog?> Open);
}

/// <summary>The files of a cache folder, for checks that no byte was lost.</summary>
internal static class CacheFiles
{
    /// <summary>The SHA-256 of every file under objects/ and quarantine/, sorted: equal before and after means no content vanished.</summary>
    public static List<string> Contents(string cache) =>
        [.. new[] { "objects", "quarantine" }
            .Select(folder => Path.Combine(cache, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            .Select(file => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))))
            .Order(StringComparer.Ordinal)];

    public static string Write(string cache, string relative, byte[] bytes)
    {
        var path = Path.Combine(cache, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Flips one byte of a cached file, keeping its size.</summary>
    public static string Corrupt(string cache, string hash)
    {
        var path = Path.Combine(cache, "objects", hash[..2], hash);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
