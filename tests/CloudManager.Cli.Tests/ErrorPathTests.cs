namespace CloudManager.Cli.Tests;

/// <summary>Every documented failure: its exit code and one line on stderr that says what to do.</summary>
public sealed class ErrorPathTests
{
    private const string UnknownHash = "0000000000000000000000000000000000000000000000000000000000000001";

    [Theory]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "exists", "not-a-hash" }, "64 hexadecimal digits")]
    [InlineData(new[] { "--capacity", "12XB", "status" }, "--capacity")]
    [InlineData(new[] { "load", "x.json" }, "--sync-id")]
    [InlineData(new[] { "dump", "--limit", "1" }, "--limit")]
    [InlineData(new[] { "stauts" }, "unknown command 'stauts'. Did you mean `cm status`? See `cm --help`.")]
    [InlineData(new[] { "hosts", "tset" }, "Did you mean `cm hosts test`? See `cm hosts --help`.")]
    [InlineData(new[] { "status", "--jsn" }, "unknown option '--jsn' for `cm status`. Did you mean --json?")]
    [InlineData(new[] { "upload", "--bogus", "x" }, "unknown option '--bogus' for `cm upload`. A name that starts with '-' is given as ./--bogus or after `--`.")]
    [InlineData(new[] { "download", "--froce", UnknownHash }, "unknown option '--froce' for `cm download`. Did you mean --force?")]
    [InlineData(new[] { "hosts", "test" }, "See `cm hosts test --help`.")]
    [InlineData(new[] { "help", "bogus" }, "unknown command 'bogus'.")]
    public async Task Usage_errors_exit_2_with_one_line(string[] args, string expected)
    {
        using var sandbox = new CmSandbox();

        var result = await sandbox.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("cm: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "help" }, new[] { "--help" }, "Exit codes:")]
    [InlineData(new[] { "help", "hosts", "test" }, new[] { "hosts", "test", "--help" }, "cm hosts test <name>")]
    public async Task Cm_help_shows_what_help_shows(string[] help, string[] option, string expected)
    {
        using var sandbox = new CmSandbox();

        var byCommand = await sandbox.RunAsync(help);
        var byOption = await sandbox.RunAsync(option);

        Assert.True(byCommand.ExitCode == 0, byCommand.ToString());
        Assert.Equal(byOption.Stdout, byCommand.Stdout);
        Assert.Contains(expected, byCommand.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_where_an_embedded_default_host_keeps_its_folder_is_named_and_left_alone()
    {
        using var sandbox = new CmSandbox();
        var third = Path.Combine(sandbox.DataFolder, "hosts", "host-3");
        Directory.CreateDirectory(Path.GetDirectoryName(third)!);
        File.WriteAllText(third, "someone's notes");

        var result = await sandbox.RunAsync("status");

        Assert.Equal(3, result.ExitCode);
        var line = Assert.Single(result.StderrLines, l => l.StartsWith("cm: host", StringComparison.Ordinal));
        Assert.Contains($"host 'host-3' of the embedded default keeps its copies in the folder {third}, but a file is there", line, StringComparison.Ordinal);
        Assert.Equal("someone's notes", File.ReadAllText(third));
    }

    [Fact]
    public async Task A_PostgreSQL_catalog_nobody_listens_for_is_reported_unreachable_not_busy()
    {
        using var sandbox = new CmSandbox();
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await sandbox.RunAsync("--db", $"postgres://cm@127.0.0.1:{port}/cm", "status");

        Assert.Equal(3, result.ExitCode);
        var line = Assert.Single(result.StderrLines, l => l.StartsWith("cm: Catalog error:", StringComparison.Ordinal));
        Assert.Contains($"postgres://cm@127.0.0.1:{port}/cm cannot be reached", line, StringComparison.Ordinal);
        Assert.Contains("Is the PostgreSQL server running", line, StringComparison.Ordinal);
        Assert.DoesNotContain("sqlite3", line, StringComparison.Ordinal);
        Assert.DoesNotContain("busy", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explicit_catalog_that_does_not_exist_exits_3_and_says_how_to_create_it()
    {
        using var sandbox = new CmSandbox();
        var missing = Path.Combine(sandbox.Root, "nowhere", "catalog.db");

        var result = await sandbox.RunAsync("--db", missing, "list");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"cm: catalog not found at {missing} (from --db): run `cm setup-db {missing}` or pass --db.", Assert.Single(result.StderrLines));
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task Unknown_hash_exits_1_for_every_command_that_needs_the_file()
    {
        using var sandbox = new CmSandbox();

        foreach (var command in new[] { "info", "download", "warm-up", "evict", "exists", "on-cache" })
        {
            var result = await sandbox.RunAsync(command, UnknownHash);
            Assert.True(result.ExitCode == 1, $"{command}: {result}");
        }

        var json = await sandbox.RunAsync("exists", "--json", UnknownHash);
        Assert.Equal(1, json.ExitCode);
        Assert.Equal("false", json.Stdout.Trim());
    }

    [Fact]
    public async Task Missing_input_file_exits_1()
    {
        using var sandbox = new CmSandbox();

        var result = await sandbox.RunAsync("upload", "no-such-file.txt");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no-such-file.txt", Assert.Single(result.StderrLines, l => l.StartsWith("cm: Cannot", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_data_that_is_not_UTF_8_exits_6_and_imports_nothing()
    {
        using var sandbox = new CmSandbox();
        var record = "[{\"version\":\"0.2\",\"datetime\":\"1391212800\",\"filename\":\"caf\u00ff.txt\",\"filesize\":5,\"filehash\":\"" + new string('a', 64) + "\",\"uploads\":[]}]";
        // Latin-1 bytes: the 0xFF of the name is no UTF-8, and must not turn into U+FFFD in the catalog.
        sandbox.WriteFile("latin1.json", System.Text.Encoding.Latin1.GetBytes(record));

        var result = await sandbox.RunAsync("load", "latin1.json", "--sync-id", "peer");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("not valid UTF-8", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await sandbox.RunAsync("info", new string('a', 64))).ExitCode);
    }

    [Fact]
    public async Task File_larger_than_the_cache_exits_4()
    {
        using var sandbox = new CmSandbox();
        sandbox.WriteFile("big.bin", CmSandbox.RandomBytes(5000));

        var result = await sandbox.RunAsync("--capacity", "4KB", "upload", "big.bin");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("capacity", result.StderrLines.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_hosts_exit_5_on_sync_and_on_download()
    {
        using var sandbox = new CmSandbox();
        var content = "lonely"u8.ToArray();
        var hash = Hashes.Of(content);
        sandbox.WriteFile("f.txt", content);
        Assert.Equal(0, (await sandbox.RunAsync("upload", "f.txt")).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("sync")).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("evict", hash)).ExitCode);
        // The hosts' folders disappear, as an unmounted disk would.
        Directory.Delete(Path.Combine(sandbox.DataFolder, "hosts"), recursive: true);
        sandbox.Environment["CM_HOST_HOST_1_PATH"] = Path.Combine(sandbox.Root, "unmounted-1");
        sandbox.Environment["CM_HOST_HOST_2_PATH"] = Path.Combine(sandbox.Root, "unmounted-2");
        sandbox.Environment["CM_HOST_HOST_3_PATH"] = Path.Combine(sandbox.Root, "unmounted-3");

        var download = await sandbox.RunAsync("download", hash, "-o", "restored.txt");
        Assert.Equal(5, download.ExitCode);
        Assert.Contains("cm hosts", download.StderrLines.Last(), StringComparison.Ordinal);

        sandbox.WriteFile("g.txt", "pending");
        Assert.Equal(0, (await sandbox.RunAsync("upload", "g.txt")).ExitCode);
        var sync = await sandbox.RunAsync("sync");
        Assert.Equal(5, sync.ExitCode);
        Assert.Contains("pending", sync.StderrLines.Last(), StringComparison.Ordinal);
        Assert.Contains("0/3  pending  g.txt", sync.Stdout, StringComparison.Ordinal);

        var hosts = await sandbox.RunAsync("hosts", "--json");
        Assert.Equal(0, hosts.ExitCode);
        Assert.Contains("\"health\": \"unreachable\"", hosts.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_sync_data_exits_6_and_imports_nothing()
    {
        using var sandbox = new CmSandbox();

        var result = await sandbox.RunAsync(["load", "-", "--sync-id", "peer"], stdin: """[{"version": "9.9"}]""");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("Nothing was imported", Assert.Single(result.StderrLines, l => l.StartsWith("cm: Invalid", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal("[]", (await sandbox.RunAsync("list", "--json")).Stdout.Trim());
    }

    [Fact]
    public async Task Sync_data_larger_than_a_read_buffer_loads_from_standard_input()
    {
        using var sandbox = new CmSandbox();
        // About 600 KB, read from a pipe in many pieces, behind a byte-order mark.
        var records = Enumerable.Range(0, 2000).Select(i =>
        {
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
            return $$"""{"version": "0.2", "datetime": "1700000000", "filename": "f{{i}}.bin", "filesize": {{i + 1}}, "filehash": "{{hash}}", "uploads": [{"host_name": "peer-disk", "url": "https://peer.example/{{hash}}/with/a/long/enough/path/to/fill/the/buffer"}]}""";
        });

        var result = await sandbox.RunAsync(["load", "-", "--sync-id", "peer"], stdin: "\uFEFF[" + string.Join(",", records) + "]");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Imported 2000 records", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evicting_a_pending_file_is_refused_with_exit_3()
    {
        using var sandbox = new CmSandbox();
        sandbox.WriteFile("p.txt", "not yet synced");
        var upload = await sandbox.RunAsync("upload", "p.txt");

        var result = await sandbox.RunAsync("evict", upload.Stdout[..64]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("sync", result.StderrLines.Last(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "catalgo": "x.db" }""", "unknown key 'catalgo'")]
    [InlineData("""{ "hosts": [ { "name": "h", "kind": "ftp", "settings": {} } ] }""", "unknown kind 'ftp'")]
    [InlineData("""{ "hosts": [ { "name": "h", "kind": "directory", "settings": { "path": "/x", "colour": "red" } } ] }""", "unknown setting 'colour'")]
    [InlineData("""{ "hosts": [ { "name": "h", "kind": "directory" } ] }""", "needs setting 'path'")]
    [InlineData("""{ "capacity": "lots" }""", "'lots' is not a size")]
    [InlineData("""{ "minCopies": 4 }""", "minCopies")]
    [InlineData("""{ "evictionPolicy": "random" }""", "Unknown eviction policy 'random'")]
    [InlineData("""{ not json""", "not valid JSON")]
    public async Task Config_file_errors_exit_2_and_name_the_problem(string config, string expected)
    {
        using var sandbox = new CmSandbox();
        sandbox.WriteFile("cloudmanager.json", config);

        var result = await sandbox.RunAsync("status");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.StderrLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_config_file_named_by_option_or_environment_exits_2()
    {
        using var sandbox = new CmSandbox();

        var option = await sandbox.RunAsync("--config", "missing.json", "status");
        sandbox.Environment["CM_CONFIG"] = "also-missing.json";
        var variable = await sandbox.RunAsync("status");

        Assert.Equal(2, option.ExitCode);
        Assert.Contains("(from --config)", option.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, variable.ExitCode);
        Assert.Contains("(from CM_CONFIG)", variable.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stack_trace_only_with_verbose()
    {
        using var sandbox = new CmSandbox();

        var plain = await sandbox.RunAsync("info", UnknownHash);
        var verbose = await sandbox.RunAsync("info", UnknownHash, "-v");

        Assert.DoesNotContain("   at ", plain.Stderr, StringComparison.Ordinal);
        Assert.Contains("   at ", verbose.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, verbose.ExitCode);
    }
}
