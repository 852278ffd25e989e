using System.Text.Json;
using CloudManager.Testing;

namespace CloudManager.Cli.Tests;

/// <summary>
/// Names from elsewhere are data, not paths; paths are what they say: cm load, list, download and upload
/// as real processes, on SQLite (and the load on PostgreSQL).
/// </summary>
public sealed class NamesAndPathsTests : IDisposable
{
    private const string Evil = "invoice\u202Efdp.exe";

    private readonly CmSandbox _sandbox = new();
    private readonly PostgresSchema _schema = new();

    public void Dispose() => _sandbox.Dispose();

    private static string Record(string hash, string name) =>
        $$"""{"version":"0.2","datetime":"1391212800","filename":{{JsonSerializer.Serialize(name)}},"filesize":3,"filehash":"{{hash}}","uploads":[{"host_name":"host-1","url":"ab/{{hash}}"}]}""";

    private static string HashOf(int seed) => Hashes.Of([(byte)seed, 1, 2]);

    [Fact]
    public Task A_load_refuses_records_with_invisible_names_one_by_one_on_SQLite() => LoadRefusesBadNamesAsync([]);

    [Fact]
    public async Task A_load_refuses_records_with_invisible_names_one_by_one_on_PostgreSQL()
    {
        var catalog = await _schema.CreateAsync(TestContext.Current.CancellationToken);
        var setup = await _sandbox.RunAsync("setup-db", catalog);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        await LoadRefusesBadNamesAsync(["--db", catalog]);
    }

    private async Task LoadRefusesBadNamesAsync(string[] catalog)
    {
        var records = new[] { Record(HashOf(1), "fine.txt"), Record(HashOf(2), Evil), Record(HashOf(3), "zero\u200Bwidth"), Record(HashOf(4), "ok [1].bin") };
        _sandbox.WriteFile("records.json", "[" + string.Join(",", records) + "]");

        var load = await _sandbox.RunAsync([.. catalog, "load", "records.json", "--sync-id", "peer"]);
        Assert.True(load.ExitCode == 6, load.ToString());
        Assert.Contains("record 1 (file " + HashOf(2) + ") refused", load.Stderr, StringComparison.Ordinal);
        Assert.Contains("U+202E", load.Stderr, StringComparison.Ordinal);
        Assert.Contains("U+200B", load.Stderr, StringComparison.Ordinal);
        Assert.Contains("Imported 2 records under sync id peer; refused 2", load.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', load.Stderr);

        var json = await _sandbox.RunAsync([.. catalog, "--json", "load", "records.json", "--sync-id", "peer"]);
        using var report = JsonDocument.Parse(json.Stdout);
        Assert.Equal(2, report.RootElement.GetProperty("imported").GetInt32());
        Assert.Equal([1, 2], report.RootElement.GetProperty("rejected").EnumerateArray().Select(r => r.GetProperty("index").GetInt32()));

        Assert.Equal(0, (await _sandbox.RunAsync([.. catalog, "exists", HashOf(1)])).ExitCode);
        Assert.Equal(1, (await _sandbox.RunAsync([.. catalog, "exists", HashOf(2)])).ExitCode);
        Assert.Equal(0, (await _sandbox.RunAsync([.. catalog, "exists", HashOf(4)])).ExitCode);
    }

    [Fact]
    public async Task Tables_show_names_escaped_and_JSON_keeps_them_exact()
    {
        // A name such as these reached catalogs before they were refused: shown escaped, never raw.
        _sandbox.WriteFile("plain.txt", "content");
        Assert.Equal(0, (await _sandbox.RunAsync("upload", "plain.txt")).ExitCode);
        var name = "a\u202Eb\\c [x]";
        SqliteShell.Query(Path.Combine(_sandbox.DataFolder, "catalog.db"), $"UPDATE files SET name = '{name}'");

        var list = await _sandbox.RunAsync("list");
        Assert.Contains("a\\u{202E}b\\\\c [x]", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', list.Stdout);
        var json = await _sandbox.RunAsync("--json", "list");
        Assert.Equal(name, JsonDocument.Parse(json.Stdout).RootElement[0].GetProperty("name").GetString());

        _sandbox.WriteFile(Evil, "x");
        var refused = await _sandbox.RunAsync("upload", Evil);
        Assert.True(refused.ExitCode == 0, refused.ToString());
        Assert.Contains("invoice\\u{202E}fdp.exe", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("Added no new file; 0 already present; skipped 1", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', refused.Stderr);
    }

    [Theory]
    [InlineData("fifo", "fifo")]
    [InlineData("socket", "socket")]
    [InlineData("device", "character special file")]
    [InlineData("folder", "directory")]
    public async Task A_download_onto_a_special_file_or_folder_is_refused_with_force_or_not(string what, string kind)
    {
        _sandbox.WriteFile("data.bin", "some bytes");
        var upload = await _sandbox.RunAsync("upload", "data.bin");
        var hash = upload.Stdout.Split(' ')[0];
        var target = Path.Combine(_sandbox.Work, "target");
        using var socket = what == "socket" ? SpecialFiles.Socket(target) : null;
        target = what switch
        {
            "fifo" => SpecialFiles.Fifo(target),
            "device" => SpecialFiles.CharacterDevice(target),
            "folder" => Directory.CreateDirectory(Path.Combine(target, "data.bin")).FullName,
            _ => target,
        };
        var output = what == "folder" ? Path.GetDirectoryName(target)! : target;

        foreach (var force in new[] { "--no-cache", "--force" })
        {
            var download = await _sandbox.RunAsync("download", hash, "-o", output, force);
            Assert.True(download.ExitCode == 2, download.ToString());
            Assert.Contains("only regular files", download.Stderr, StringComparison.Ordinal);
            Assert.Equal(kind, SpecialFiles.Kind(target));
        }

        var cached = await _sandbox.RunAsync("download", hash, "-o", output, "--force", "--cache");
        Assert.Equal(2, cached.ExitCode);
        Assert.Equal(kind, SpecialFiles.Kind(target));
    }

    [Fact]
    public async Task An_upload_of_a_folder_skips_links_loops_pipes_and_the_pools_own_files_and_counts_what_happened()
    {
        _sandbox.WriteFile("tree/a.txt", "a");
        _sandbox.WriteFile("tree/sub/b.txt", "b");
        var tree = Path.Combine(_sandbox.Work, "tree");
        File.CreateSymbolicLink(Path.Combine(tree, "sub", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(tree, "root"), "/");
        SpecialFiles.Fifo(Path.Combine(tree, "pipe"));

        var plain = await _sandbox.RunAsync("upload", "tree");
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal(2, plain.StdoutLines.Length);
        Assert.Contains("Added 2 new files; 0 already present; skipped 3: 2 symbolic links (not followed; --follow-links follows links), 1 named pipe, socket or device (never opened).",
            plain.Stderr, StringComparison.Ordinal);

        File.Delete(Path.Combine(tree, "root"));
        _sandbox.WriteFile("outside/c.txt", "c");
        File.CreateSymbolicLink(Path.Combine(tree, "out"), Path.Combine(_sandbox.Work, "outside"));
        var followed = await _sandbox.RunAsync("upload", "--follow-links", "tree");
        Assert.True(followed.ExitCode == 0, followed.ToString());
        Assert.Equal(3, followed.StdoutLines.Length);
        Assert.Contains("Added 1 new file; 2 already present; skipped 2: 1 link to a folder being walked (a loop), 1 named pipe, socket or device (never opened).",
            followed.Stderr, StringComparison.Ordinal);

        // The pool's own folder: nothing of it is taken in.
        var own = await _sandbox.RunAsync("upload", _sandbox.DataFolder);
        Assert.True(own.ExitCode == 0, own.ToString());
        Assert.Empty(own.StdoutLines);
        Assert.Contains("Added no new file; 0 already present; skipped", own.Stderr, StringComparison.Ordinal);
        Assert.Contains("of the pool's own folders or files", own.Stderr, StringComparison.Ordinal);
        var list = await _sandbox.RunAsync("--json", "list");
        Assert.Equal(3, JsonDocument.Parse(list.Stdout).RootElement.GetArrayLength());
    }
}
