using System.Text.Json;

namespace CloudManager.Cli.Tests;

/// <summary>stdout holds only data, with and without a terminal; progress bars go to a terminal's stderr only.</summary>
public sealed class OutputTests
{
    [Fact]
    public async Task Progress_bar_appears_on_a_terminal_stderr_while_stdout_holds_only_hash_lines()
    {
        using var sandbox = new CmSandbox();
        var files = Enumerable.Range(0, 12).ToDictionary(i => $"many/file-{i:00}.bin", _ => CmSandbox.RandomBytes(20_000));
        foreach (var (path, content) in files)
        {
            sandbox.WriteFile(path, content);
        }

        sandbox.Environment["TERM"] = "xterm-256color";
        var command = $"{CmSandbox.CmCommandLine} upload many > stdout.txt";
        // script(1) gives cm a pseudo-terminal for stderr; what the terminal showed comes back on script's stdout.
        var terminal = await sandbox.RunProcessAsync("script", ["-qec", command, "/dev/null"], null, null);

        Assert.True(terminal.ExitCode == 0, terminal.ToString());
        Assert.Contains("\u001b[", terminal.Stdout, StringComparison.Ordinal);
        Assert.Contains("uploading 12 files", terminal.Stdout, StringComparison.Ordinal);
        Assert.Contains("100%", terminal.Stdout, StringComparison.Ordinal);
        var data = File.ReadAllLines(Path.Combine(sandbox.Work, "stdout.txt")).Order(StringComparer.Ordinal);
        Assert.Equal(files.Select(f => $"{Hashes.Of(f.Value)}  {f.Key}").Order(StringComparer.Ordinal), data);
    }

    [Fact]
    public async Task Without_a_terminal_there_is_no_progress_and_no_escape_sequence()
    {
        using var sandbox = new CmSandbox();
        sandbox.Environment["TERM"] = "xterm-256color";
        for (var i = 0; i < 12; i++)
        {
            sandbox.WriteFile($"many/{i}.txt", $"file {i}");
        }

        var upload = await sandbox.RunAsync("upload", "many");
        var sync = await sandbox.RunAsync("sync");

        foreach (var result in new[] { upload, sync })
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.DoesNotContain("\u001b", result.Stderr + result.Stdout, StringComparison.Ordinal);
            Assert.All(result.StdoutLines, l => Assert.Matches("^[0-9a-f]{64}  ", l));
        }

        Assert.Equal(12, upload.StdoutLines.Length);
        Assert.Equal(12, sync.StdoutLines.Length);
        Assert.Contains("sync: 12 files, 36 copies made", sync.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_reports_use_the_documented_fields_and_exact_bytes()
    {
        using var sandbox = new CmSandbox();
        var content = CmSandbox.RandomBytes(1536);
        sandbox.WriteFile("doc.bin", content);
        var hash = Hashes.Of(content);

        using var upload = await JsonAsync(sandbox, "upload", "doc.bin", "--json");
        var uploaded = Assert.Single(upload.RootElement.EnumerateArray());
        Assert.Equal(hash, uploaded.GetProperty("hash").GetString());
        Assert.Equal("doc.bin", uploaded.GetProperty("path").GetString());
        Assert.Equal(1536, uploaded.GetProperty("size").GetInt64());

        using var sync = await JsonAsync(sandbox, "sync", "--json");
        Assert.Equal(3, sync.RootElement.GetProperty("copies_made").GetInt32());
        Assert.Equal(0, sync.RootElement.GetProperty("files_pending").GetInt32());
        Assert.Equal(3 * 1536, sync.RootElement.GetProperty("bytes_sent").GetInt64());
        Assert.Equal(3, sync.RootElement.GetProperty("details")[0].GetProperty("attempts").GetArrayLength());

        using var list = await JsonAsync(sandbox, "list", "--json");
        var file = Assert.Single(list.RootElement.EnumerateArray());
        Assert.Equal("safe", file.GetProperty("state").GetString());
        Assert.Equal(3, file.GetProperty("copies").GetInt32());
        Assert.True(file.GetProperty("cached").GetBoolean());
        Assert.Equal("doc.bin", file.GetProperty("name").GetString());

        using var status = await JsonAsync(sandbox, "status", "--json");
        var cache = status.RootElement.GetProperty("cache");
        Assert.Equal(1536, cache.GetProperty("used_bytes").GetInt64());
        Assert.Equal(10L << 30, cache.GetProperty("capacity_bytes").GetInt64());
        Assert.Equal(1, status.RootElement.GetProperty("export_queue").GetProperty("count").GetInt64());
        Assert.Equal(0, status.RootElement.GetProperty("upload_queue").GetProperty("size").GetInt64());
        Assert.Equal(1536, status.RootElement.GetProperty("transfers").GetProperty("total").GetProperty("incoming_bytes").GetInt64());
        Assert.Equal(3, status.RootElement.GetProperty("hosts").GetArrayLength());

        using var hosts = await JsonAsync(sandbox, "hosts", "--json");
        Assert.All(hosts.RootElement.EnumerateArray(), h =>
        {
            Assert.Equal("directory", h.GetProperty("kind").GetString());
            Assert.Equal("ok", h.GetProperty("health").GetString());
            Assert.Equal(1, h.GetProperty("copies").GetInt64());
        });

        using var info = await JsonAsync(sandbox, "info", hash);
        Assert.Equal("0.2", info.RootElement.GetProperty("version").GetString());
        Assert.Equal(1536, info.RootElement.GetProperty("filesize").GetInt64());

        using var exists = await JsonAsync(sandbox, "exists", hash, "--json");
        Assert.True(exists.RootElement.GetBoolean());
    }

    [Fact]
    public async Task Human_tables_show_sizes_in_binary_units()
    {
        using var sandbox = new CmSandbox();
        sandbox.WriteFile("k.bin", CmSandbox.RandomBytes(1536));
        Assert.Equal(0, (await sandbox.RunAsync("upload", "k.bin")).ExitCode);

        var list = await sandbox.RunAsync("list");

        Assert.Equal(0, list.ExitCode);
        Assert.StartsWith("HASH", list.StdoutLines[0], StringComparison.Ordinal);
        Assert.Contains("1.5 KiB", list.StdoutLines[1], StringComparison.Ordinal);
        Assert.Contains("pending", list.StdoutLines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quiet_silences_messages_but_not_data()
    {
        using var sandbox = new CmSandbox();
        sandbox.WriteFile("q.txt", "quiet");

        var result = await sandbox.RunAsync("upload", "q.txt", "-q");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);
        Assert.Single(result.StdoutLines);
    }

    private static async Task<JsonDocument> JsonAsync(CmSandbox sandbox, params string[] args)
    {
        var result = await sandbox.RunAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout);
    }
}
