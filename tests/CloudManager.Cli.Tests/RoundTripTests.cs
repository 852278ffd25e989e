namespace CloudManager.Cli.Tests;

public sealed class RoundTripTests
{
    [Fact]
    public async Task Upload_sync_evict_download_gives_identical_bytes()
    {
        using var sandbox = new CmSandbox();
        var content = CmSandbox.RandomBytes(300_000);
        sandbox.WriteFile("data/report.bin", content);

        var upload = await sandbox.RunAsync("upload", "data/report.bin");
        Assert.True(upload.ExitCode == 0, upload.ToString());
        var hash = Hashes.Of(content);
        Assert.Equal([$"{hash}  data/report.bin"], upload.StdoutLines);

        var sync = await sandbox.RunAsync("sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());

        var evict = await sandbox.RunAsync("evict", hash);
        Assert.True(evict.ExitCode == 0, evict.ToString());
        Assert.Equal(1, (await sandbox.RunAsync("on-cache", hash)).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("exists", hash)).ExitCode);

        var download = await sandbox.RunAsync("download", hash);
        Assert.True(download.ExitCode == 0, download.ToString());
        var written = Path.Combine(sandbox.Work, "report.bin");
        Assert.Equal([written], download.StdoutLines);
        Assert.Equal(content, File.ReadAllBytes(written));
        Assert.Equal(1, (await sandbox.RunAsync("on-cache", hash)).ExitCode);

        // --cache keeps the fetched file in the cache as well, from the same fetch.
        var cached = await sandbox.RunAsync("download", hash, "-o", "again.bin", "--cache");
        Assert.True(cached.ExitCode == 0, cached.ToString());
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(sandbox.Work, "again.bin")));
        Assert.Equal(0, (await sandbox.RunAsync("on-cache", hash)).ExitCode);
        var contradiction = await sandbox.RunAsync("download", hash, "-o", "third.bin", "--cache", "--no-cache");
        Assert.Equal(2, contradiction.ExitCode);
        Assert.Contains("contradict", contradiction.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(sandbox.Work, "third.bin")));
    }

    [Fact]
    public async Task Download_refuses_to_overwrite_without_force_and_writes_stdout_with_dash()
    {
        using var sandbox = new CmSandbox();
        var content = CmSandbox.RandomBytes(70_000);
        sandbox.WriteFile("a.bin", content);
        var hash = Hashes.Of(content);
        Assert.Equal(0, (await sandbox.RunAsync("upload", "a.bin")).ExitCode);
        var existing = sandbox.WriteFile("out/a.bin", "keep me");

        var refused = await sandbox.RunAsync("download", hash, "-o", "out");

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("--force", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(existing));

        var forced = await sandbox.RunAsync("download", hash, "-o", "out", "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(content, File.ReadAllBytes(existing));
        Assert.Empty(Directory.GetFiles(Path.Combine(sandbox.Work, "out"), "*.partial"));

        var piped = await sandbox.RunAsync("download", hash, "-o", "-");
        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.Equal(content, piped.StdoutBytes);
    }

    [Fact]
    public async Task Download_with_no_cache_writes_an_evicted_file_without_caching_it()
    {
        using var sandbox = new CmSandbox();
        var content = CmSandbox.RandomBytes(200_000);
        sandbox.WriteFile("b.bin", content);
        var hash = Hashes.Of(content);
        Assert.Equal(0, (await sandbox.RunAsync("upload", "b.bin")).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("sync")).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("evict", hash)).ExitCode);

        var download = await sandbox.RunAsync("download", hash, "-o", "restored.bin", "--no-cache");

        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(sandbox.Work, "restored.bin")));
        Assert.Equal(1, (await sandbox.RunAsync("on-cache", hash)).ExitCode);
        var piped = await sandbox.RunAsync("download", hash, "-o", "-", "--no-cache");
        Assert.Equal(2, piped.ExitCode);
        Assert.Contains("--no-cache", piped.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_of_a_folder_adds_every_file_recursively_and_warm_up_prints_the_cached_path()
    {
        using var sandbox = new CmSandbox();
        var files = new Dictionary<string, byte[]>
        {
            ["tree/a.txt"] = "alpha"u8.ToArray(),
            ["tree/sub/b.txt"] = "beta"u8.ToArray(),
            ["tree/sub/deeper/c.txt"] = "gamma"u8.ToArray(),
        };
        foreach (var (path, content) in files)
        {
            sandbox.WriteFile(path, content);
        }

        var upload = await sandbox.RunAsync("upload", "tree");

        Assert.True(upload.ExitCode == 0, upload.ToString());
        Assert.Equal(
            files.Select(f => $"{Hashes.Of(f.Value)}  {f.Key}").Order(StringComparer.Ordinal),
            upload.StdoutLines.Order(StringComparer.Ordinal));
        var warm = await sandbox.RunAsync("warm-up", Hashes.Of(files["tree/sub/b.txt"]));
        Assert.True(warm.ExitCode == 0, warm.ToString());
        Assert.Equal("beta", File.ReadAllText(warm.StdoutLines.Single()));
        Assert.StartsWith(sandbox.DataFolder, warm.StdoutLines.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pin_keeps_a_file_from_eviction_until_unpinned()
    {
        using var sandbox = new CmSandbox();
        var content = "pinned content"u8.ToArray();
        sandbox.WriteFile("p.txt", content);
        var hash = Hashes.Of(content);
        Assert.Equal(0, (await sandbox.RunAsync("upload", "p.txt")).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("sync")).ExitCode);

        Assert.Equal(0, (await sandbox.RunAsync("pin", hash)).ExitCode);
        var refused = await sandbox.RunAsync("evict", hash);
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("pinned", refused.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await sandbox.RunAsync("unpin", hash)).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("evict", hash)).ExitCode);
        var notCached = await sandbox.RunAsync("pin", hash);
        Assert.Equal(1, notCached.ExitCode);
        Assert.Contains("warm-up", notCached.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_download_name_is_made_harmless_and_o_writes_exactly_what_is_asked()
    {
        using var sandbox = new CmSandbox();
        var content = CmSandbox.RandomBytes(1_000);
        sandbox.WriteFile("data/.bashrc", content);
        var hash = Hashes.Of(content);
        Assert.Equal(0, (await sandbox.RunAsync("upload", "data/.bashrc")).ExitCode);

        var download = await sandbox.RunAsync("download", hash);
        Assert.True(download.ExitCode == 0, download.ToString());
        var written = Path.Combine(sandbox.Work, "_bashrc");
        Assert.Equal([written], download.StdoutLines);
        Assert.Equal(content, File.ReadAllBytes(written));
        Assert.False(File.Exists(Path.Combine(sandbox.Work, ".bashrc")));

        var asked = await sandbox.RunAsync("download", hash, "-o", ".bashrc");
        Assert.True(asked.ExitCode == 0, asked.ToString());
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(sandbox.Work, ".bashrc")));
    }
}
