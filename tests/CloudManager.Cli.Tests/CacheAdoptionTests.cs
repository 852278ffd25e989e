namespace CloudManager.Cli.Tests;

/// <summary>
/// The cache is never emptied on the catalog's word: a catalog that does not know the cached files
/// (the default catalog moved away, <c>--db</c> at a fresh file, <c>cm setup-db</c> on a fresh
/// PostgreSQL database) gets them registered again as pending, loudly; a stray file goes to
/// quarantine; then a sync copies the files and a download returns their bytes.
/// </summary>
public sealed class CacheAdoptionTests : IDisposable
{
    private readonly CmSandbox _sandbox = new();

    private string Cache => Path.Combine(_sandbox.DataFolder, "cache");

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task The_default_catalog_moved_away_then_cm_list_deletes_nothing_and_lists_the_files_as_pending()
    {
        var files = await UploadAsync([], 3);
        var stray = Path.Combine(Cache, "objects", "zz", "stray.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        await File.WriteAllTextAsync(stray, "not a cached file", TestContext.Current.CancellationToken);
        foreach (var part in Directory.GetFiles(_sandbox.DataFolder, "catalog.db*"))
        {
            File.Move(part, Path.Combine(_sandbox.Work, Path.GetFileName(part)));
        }

        var list = await _sandbox.RunAsync("list");

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("is new or empty, but the cache folder", list.Stderr, StringComparison.Ordinal);
        Assert.Contains("holds 4 files", list.Stderr, StringComparison.Ordinal);
        Assert.Contains("The catalog did not know 3 files", list.Stderr, StringComparison.Ordinal);
        Assert.Contains("registered again as pending; run `cm sync`", list.Stderr, StringComparison.Ordinal);
        Assert.Contains($"moved to {Path.Combine(Cache, "quarantine")}", list.Stderr, StringComparison.Ordinal);
        foreach (var (hash, bytes) in files)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(Cache, "objects", hash[..2], hash)));
            var row = Assert.Single(list.StdoutLines, l => l.StartsWith(hash, StringComparison.Ordinal));
            Assert.Contains(" pending ", row, StringComparison.Ordinal);
            Assert.EndsWith(hash[..10], row, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(stray));
        var kept = Assert.Single(Directory.GetFiles(Path.Combine(Cache, "quarantine")));
        Assert.StartsWith("stray.txt.", Path.GetFileName(kept), StringComparison.Ordinal);
        Assert.Equal("not a cached file", File.ReadAllText(kept));

        var status = await _sandbox.RunAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains(status.StdoutLines, l => l.StartsWith("quarantine", StringComparison.Ordinal) && l.Contains("1 file, 17 B", StringComparison.Ordinal));
        var again = await _sandbox.RunAsync("list");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("warning", again.Stderr, StringComparison.Ordinal);

        await SyncEvictAndDownloadAsync([], files);
    }

    [Fact]
    public async Task The_db_option_at_a_fresh_catalog_adopts_the_cached_files_and_says_so_even_with_quiet()
    {
        var files = await UploadAsync([], 2);
        var fresh = Path.Combine(_sandbox.Work, "fresh.db");
        var setup = await _sandbox.RunAsync("setup-db", fresh);
        Assert.True(setup.ExitCode == 0, setup.ToString());

        var list = await _sandbox.RunAsync("--db", fresh, "--quiet", "list");

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains($"cm: warning: The catalog sqlite:{fresh} is new or empty", list.Stderr, StringComparison.Ordinal);
        Assert.Contains("wrong catalog", list.Stderr, StringComparison.Ordinal);
        Assert.Contains("The catalog did not know 2 files", list.Stderr, StringComparison.Ordinal);
        Assert.All(files.Keys, hash => Assert.Contains(list.StdoutLines, l => l.StartsWith(hash, StringComparison.Ordinal) && l.Contains(" pending ", StringComparison.Ordinal)));
        Assert.All(files, f => Assert.Equal(f.Value, File.ReadAllBytes(Path.Combine(Cache, "objects", f.Key[..2], f.Key))));

        await SyncEvictAndDownloadAsync(["--db", fresh], files);
    }

    [Fact]
    public async Task Setup_db_on_a_fresh_PostgreSQL_database_beside_a_full_cache_then_any_command_adopts_the_files()
    {
        var first = new PostgresSchema();
        var firstUri = await first.CreateAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, (await _sandbox.RunAsync("setup-db", firstUri)).ExitCode);
        var files = await UploadAsync(["--db", firstUri], 2);
        var second = new PostgresSchema();
        var secondUri = await second.CreateAsync(TestContext.Current.CancellationToken);
        var setup = await _sandbox.RunAsync("setup-db", secondUri);
        Assert.True(setup.ExitCode == 0, setup.ToString());

        var status = await _sandbox.RunAsync("--db", secondUri, "status");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("is new or empty, but the cache folder", status.Stderr, StringComparison.Ordinal);
        Assert.Contains("The catalog did not know 2 files", status.Stderr, StringComparison.Ordinal);
        Assert.Equal(2L, await second.ScalarAsync<long>("SELECT COUNT(*) FROM files WHERE stored_copies = 0", TestContext.Current.CancellationToken));
        Assert.Equal(2L, await second.ScalarAsync<long>("SELECT COUNT(*) FROM cache_entries", TestContext.Current.CancellationToken));
        Assert.All(files, f => Assert.Equal(f.Value, File.ReadAllBytes(Path.Combine(Cache, "objects", f.Key[..2], f.Key))));

        await SyncEvictAndDownloadAsync(["--db", secondUri], files);
        Assert.Equal(2L, await second.ScalarAsync<long>("SELECT COUNT(*) FROM files WHERE stored_copies = 3", TestContext.Current.CancellationToken));
    }

    /// <summary>Uploads files that are never synced: the cache holds their only copy.</summary>
    private async Task<Dictionary<string, byte[]>> UploadAsync(string[] globals, int count)
    {
        var files = new Dictionary<string, byte[]>();
        for (var i = 0; i < count; i++)
        {
            var content = CmSandbox.RandomBytes(20_000 + (i * 1000));
            _sandbox.WriteFile($"in/file-{i}.bin", content);
            var upload = await _sandbox.RunAsync([.. globals, "upload", $"in/file-{i}.bin"]);
            Assert.True(upload.ExitCode == 0, upload.ToString());
            files[Hashes.Of(content)] = content;
        }

        return files;
    }

    /// <summary>A sync copies the adopted files; evicted, each comes back from the hosts with its bytes.</summary>
    private async Task SyncEvictAndDownloadAsync(string[] globals, Dictionary<string, byte[]> files)
    {
        var sync = await _sandbox.RunAsync([.. globals, "sync"]);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        foreach (var (hash, bytes) in files)
        {
            var evict = await _sandbox.RunAsync([.. globals, "evict", hash]);
            Assert.True(evict.ExitCode == 0, evict.ToString());
            var output = Path.Combine(_sandbox.Work, "out", hash);
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            var download = await _sandbox.RunAsync([.. globals, "download", hash, "-o", output]);
            Assert.True(download.ExitCode == 0, download.ToString());
            Assert.Equal(bytes, File.ReadAllBytes(output));
        }
    }
}
