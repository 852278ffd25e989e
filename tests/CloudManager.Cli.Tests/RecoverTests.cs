using System.Text.Json;
using CloudManager.Testing;

namespace CloudManager.Cli.Tests;

/// <summary>
/// The catalog and the cache lost, rebuilt from the hosts with <c>cm recover</c>; <c>cm hosts scan</c>.
/// Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class RecoverTests : IDisposable
{
    protected RecoverTests()
    {
        Sandbox = new CmSandbox();
        Folders = Enumerable.Range(1, 3).Select(i => Path.Combine(Sandbox.Root, "hosts", $"disk-{i}")).ToList();
        Folders.ForEach(f => Directory.CreateDirectory(f));
    }

    private protected CmSandbox Sandbox { get; }

    private List<string> Folders { get; }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string CacheFolder => Path.Combine(Sandbox.Root, "cache");

    /// <summary>A new, empty catalog (set up) and its location for the config file.</summary>
    protected abstract Task<string> NewCatalogAsync();

    /// <summary>Loses the catalog whole and gives a new, empty one in its place (set up).</summary>
    protected abstract Task<string> LoseCatalogAsync();

    private string WriteConfig(string catalog, string hostsJson)
    {
        var path = Path.Combine(Sandbox.Root, "cloudmanager.json");
        File.WriteAllText(path, $$"""
            {
              "catalog": "{{catalog}}",
              "cache": "{{CacheFolder}}",
              "capacity": "256MiB",
              "redundancy": 3,
              "minCopies": 2,
              "hosts": [ {{hostsJson}} ]
            }
            """);
        return path;
    }

    private string DirectoryHosts() => string.Join(",\n", Folders.Select((f, i) => $$"""{ "name": "disk-{{i + 1}}", "kind": "directory", "settings": { "path": "{{f}}" } }"""));

    private string MixedHosts()
    {
        var run = Guid.NewGuid().ToString("N");
        Sandbox.Environment["TEST_DAV_PASSWORD"] = TestServers.Require("POOL_TEST_WEBDAV_PASSWORD", "eng/services/webdav.sh");
        TestServers.RequireTool("rclone", "eng/services/webdav.sh");
        var rcloneFolder = Path.Combine(Sandbox.Root, "rclone-target");
        Directory.CreateDirectory(rcloneFolder);
        var key = Path.Combine(Sandbox.Root, "disk.key");
        if (!File.Exists(key))
        {
            CloudManager.Hosts.Encryption.EncryptionKeyRing.WriteNewKeyFile(key);
        }

        return $$"""
            { "name": "disk", "kind": "directory", "settings": { "path": "{{Folders[0]}}" }, "encryption": { "keyFile": "{{key}}" } },
            { "name": "dav", "kind": "webdav", "settings": {
                "url": "{{TestServers.Require("POOL_TEST_WEBDAV_URL", "eng/services/webdav.sh")}}recover-{{run}}/",
                "user": "{{TestServers.Require("POOL_TEST_WEBDAV_USER", "eng/services/webdav.sh")}}", "passwordEnv": "TEST_DAV_PASSWORD" } },
            { "name": "rc", "kind": "rclone", "settings": { "remote": ":local:{{rcloneFolder}}" } }
            """;
    }

    private async Task<CmResult> CmAsync(string config, params string[] args)
    {
        var result = await Sandbox.RunAsync(["--config", config, .. args]);
        return result;
    }

    private async Task<List<(string Hash, string Name, long Size, int Copies)>> ListAsync(string config)
    {
        var list = await CmAsync(config, "list", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        using var document = JsonDocument.Parse(list.Stdout);
        return [.. document.RootElement.EnumerateArray()
            .Select(f => (f.GetProperty("hash").GetString()!, f.GetProperty("name").GetString()!, f.GetProperty("size").GetInt64(), f.GetProperty("copies").GetInt32()))
            .OrderBy(f => f.Item1, StringComparer.Ordinal)];
    }

    /// <summary>Files of mixed sizes, from empty to a few MB, under a folder of the sandbox; returns their hashes to bytes.</summary>
    private Dictionary<string, byte[]> WriteFiles(string folder, int count)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var random = new Random(count);
        for (var i = 0; i < count; i++)
        {
            var size = i switch
            {
                0 => 0,
                _ when i % 97 == 1 => random.Next(1 << 20, 3 << 20),
                _ when i % 13 == 2 => random.Next(64 << 10, 512 << 10),
                _ => random.Next(1, 8 << 10),
            };
            var bytes = new byte[size];
            random.NextBytes(bytes);
            if (files.TryAdd(Hashes.Of(bytes), bytes))
            {
                Sandbox.WriteFile($"{folder}/file-{i:D4} ä.bin", bytes);
            }
        }

        return files;
    }

    private void LoseCache()
    {
        if (Directory.Exists(CacheFolder))
        {
            Directory.Delete(CacheFolder, recursive: true);
        }
    }

    [Fact]
    public async Task The_catalog_and_cache_lost_are_rebuilt_from_an_encrypted_directory_a_webdav_and_an_rclone_host()
    {
        var config = WriteConfig(await NewCatalogAsync(), MixedHosts());
        var files = WriteFiles("in", 150);
        var upload = await CmAsync(config, "upload", "in");
        Assert.True(upload.ExitCode == 0, upload.ToString());
        var sync = await CmAsync(config, "sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        var before = await ListAsync(config);
        Assert.Equal(files.Count, before.Count);
        Assert.All(before, f => Assert.Equal(3, f.Copies));
        // The encrypted host names nothing after a hash, and its journal (which lists every file) holds none.
        var onDisk = Directory.EnumerateFiles(Folders[0], "*", SearchOption.AllDirectories).ToList();
        var journal = string.Concat(onDisk.Where(f => f.Contains("/cloud-manager-meta/", StringComparison.Ordinal)).Select(File.ReadAllText));
        Assert.NotEmpty(journal);
        Assert.DoesNotContain(files.Keys, hash => journal.Contains(hash, StringComparison.OrdinalIgnoreCase) || onDisk.Any(f => f.Contains(hash, StringComparison.OrdinalIgnoreCase)));

        await LoseCatalogAsync();
        LoseCache();
        var recover = await CmAsync(config, "recover", "--json");
        Assert.True(recover.ExitCode == 0, recover.ToString());
        using (var report = JsonDocument.Parse(recover.Stdout))
        {
            Assert.Equal(files.Count, report.RootElement.GetProperty("files_added").GetInt32());
            Assert.Equal(0, report.RootElement.GetProperty("findings").GetArrayLength());
        }

        Assert.Equal(before, await ListAsync(config));
        // Every copy of every file is read back from the hosts and hashed (one process), and a sample of
        // files (the empty one, the large ones, every tenth) is downloaded and compared byte for byte.
        var verify = await CmAsync(config, "verify", "--deep", "--json");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        using (var report = JsonDocument.Parse(verify.Stdout))
        {
            Assert.Equal(files.Count, report.RootElement.GetProperty("files").GetInt32());
            Assert.Equal(0, report.RootElement.GetProperty("lost_copies").GetInt32());
        }

        var sample = files.Where((f, i) => f.Value.Length == 0 || f.Value.Length > (1 << 20) || i % 10 == 0).Select(f => f.Key).ToList();
        var download = await Sandbox.BashAsync(
            $"set -e; mkdir -p out; printf '%s\\n' {string.Join(' ', sample)} | " +
            $"xargs -P 2 -I{{}} {CmSandbox.CmCommandLine} --config {CmSandbox.Quote(config)} download {{}} -o out/{{}} >/dev/null");
        Assert.True(download.ExitCode == 0, download.ToString());
        foreach (var hash in sample)
        {
            Assert.Equal(files[hash], File.ReadAllBytes(Path.Combine(Sandbox.Work, "out", hash)));
        }

        // A second recover finds everything known and changes nothing.
        var again = await CmAsync(config, "recover", "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        using (var report = JsonDocument.Parse(again.Stdout))
        {
            Assert.Equal(0, report.RootElement.GetProperty("files_added").GetInt32());
            Assert.Equal(files.Count, report.RootElement.GetProperty("files_known").GetInt32());
        }

        Assert.Equal(before, await ListAsync(config));
    }

    [Fact]
    public async Task Recover_merges_into_a_catalog_that_still_exists_and_reports_orphans_and_gone_records()
    {
        var config = WriteConfig(await NewCatalogAsync(), DirectoryHosts());
        var files = WriteFiles("in", 12);
        Assert.Equal(0, (await CmAsync(config, "upload", "in")).ExitCode);
        var sync = await CmAsync(config, "sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        var before = await ListAsync(config);

        // An object the pool never recorded, put on a host by hand; a recorded object deleted behind the pool's back.
        var stray = CmSandbox.RandomBytes(5000);
        var strayHash = Hashes.Of(stray);
        Directory.CreateDirectory(Path.Combine(Folders[1], strayHash[..2]));
        File.WriteAllBytes(Path.Combine(Folders[1], strayHash[..2], strayHash), stray);
        var victim = before.First(f => f.Size > 0).Hash;
        File.Delete(Path.Combine(Folders[2], victim[..2], victim));

        var recover = await CmAsync(config, "recover", "--json");
        Assert.True(recover.ExitCode == 6, recover.ToString());
        using var report = JsonDocument.Parse(recover.Stdout);
        Assert.Equal(1, report.RootElement.GetProperty("files_added").GetInt32());
        var findings = report.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (Kind: f.GetProperty("kind").GetString(), Host: f.GetProperty("host").GetString(), Hash: f.GetProperty("hash").GetString())).ToList();
        Assert.Contains(("orphan", "disk-2", strayHash), findings);
        Assert.Contains(("gone", "disk-3", victim), findings);
        Assert.Equal(2, findings.Count);

        // The catalog keeps what it knew: names, sizes and copies of every file; the stray object is registered under its hash.
        var after = await ListAsync(config);
        Assert.Equal(before, after.Where(f => f.Hash != strayHash).ToList());
        Assert.Contains((strayHash, strayHash, 5000L, 1), after);
        var text = await CmAsync(config, "recover");
        Assert.True(text.ExitCode == 6, text.ToString());
        Assert.Contains("gone", text.Stdout, StringComparison.Ordinal);
        Assert.Contains(victim, text.Stdout, StringComparison.Ordinal);
        Assert.Equal(files.Count + 1, after.Count);
    }

    [Fact]
    public async Task Recover_with_one_host_missing_registers_everything_from_the_others_and_exits_5()
    {
        var config = WriteConfig(await NewCatalogAsync(), DirectoryHosts());
        var files = WriteFiles("in", 20);
        Assert.Equal(0, (await CmAsync(config, "upload", "in")).ExitCode);
        Assert.Equal(0, (await CmAsync(config, "sync")).ExitCode);
        var before = await ListAsync(config);

        await LoseCatalogAsync();
        LoseCache();
        Directory.Move(Folders[0], Folders[0] + ".unmounted");
        var recover = await CmAsync(config, "recover", "--json");
        Assert.True(recover.ExitCode == 5, recover.ToString());
        using (var report = JsonDocument.Parse(recover.Stdout))
        {
            Assert.Equal(files.Count, report.RootElement.GetProperty("files_added").GetInt32());
            var hosts = report.RootElement.GetProperty("hosts").EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("read").GetBoolean());
            Assert.False(hosts["disk-1"]);
            Assert.True(hosts["disk-2"]);
            Assert.True(hosts["disk-3"]);
        }

        // Each file is known with its name and size, on the two hosts that answered.
        Assert.Equal(before.Select(f => (f.Hash, f.Name, f.Size, 2)), await ListAsync(config));

        // The host back: recover again adds its copies.
        Directory.Move(Folders[0] + ".unmounted", Folders[0]);
        var again = await CmAsync(config, "recover", "--from", "disk-1");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(before, await ListAsync(config));
    }

    [Fact]
    public async Task A_hostile_journal_is_refused_line_by_line_and_nothing_false_is_registered()
    {
        var config = WriteConfig(await NewCatalogAsync(), DirectoryHosts());
        WriteFiles("in", 5);
        Assert.Equal(0, (await CmAsync(config, "upload", "in")).ExitCode);
        Assert.Equal(0, (await CmAsync(config, "sync")).ExitCode);
        var before = await ListAsync(config);
        var real = before[0];
        var other = before[1];
        var fake = new string('a', 64);
        var nodeFolder = Directory.GetDirectories(Path.Combine(Folders[0], "cloud-manager-meta", "journal")).Single();
        string Record(string hash, long size, string name) =>
            "{\"op\":\"add\",\"at\":9999999999999,\"record\":{\"version\":\"0.2\",\"datetime\":\"1700000000\",\"filename\":" + JsonSerializer.Serialize(name) +
            ",\"filesize\":" + size.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"filehash\":\"" + hash + "\",\"uploads\":[]}}";
        File.WriteAllText(Path.Combine(nodeFolder, "29990101T000000000Z-000999-deadbeef.jsonl"), string.Join('\n',
            """{"format":"cloud-manager-journal","version":1,"node":"x","host":"y","sequence":1,"written":0}""",
            "this is not json",
            Record(real.Hash, real.Size, "bad\u202Ename.txt"),
            Record(other.Hash, other.Size + 1, "liar.bin"),
            Record(fake, 10, "nothing.bin"),
            "{\"op\":\"explode\",\"at\":1}"));
        File.WriteAllText(Path.Combine(nodeFolder, "29990101T000000000Z-001000-deadbeef.jsonl"), "not a header\n");

        await LoseCatalogAsync();
        LoseCache();
        var recover = await CmAsync(config, "recover", "--json");
        Assert.True(recover.ExitCode == 6, recover.ToString());
        using var report = JsonDocument.Parse(recover.Stdout);
        var findings = report.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (Kind: f.GetProperty("kind").GetString()!, Hash: f.GetProperty("hash").ValueKind == JsonValueKind.String ? f.GetProperty("hash").GetString() : null)).ToList();
        // Not JSON, a name with a bidirectional override, an unknown op, a segment without a header.
        Assert.Equal(4, findings.Count(f => f.Kind == "refused"));
        Assert.Contains(("gone", fake), findings);
        Assert.Contains(("wrong-size", other.Hash), findings);

        // Every real file is back as it was; the lying and false records changed nothing.
        Assert.Equal(before, await ListAsync(config));
    }

    [Fact]
    public async Task Hosts_scan_reports_an_orphan_a_deleted_copy_and_with_deep_a_damaged_copy()
    {
        var config = WriteConfig(await NewCatalogAsync(), DirectoryHosts());
        WriteFiles("in", 6);
        Assert.Equal(0, (await CmAsync(config, "upload", "in")).ExitCode);
        Assert.Equal(0, (await CmAsync(config, "sync")).ExitCode);
        var clean = await CmAsync(config, "hosts", "scan", "disk-1");
        Assert.True(clean.ExitCode == 0, clean.ToString());

        var files = (await ListAsync(config)).Where(f => f.Size > 10).ToList();
        var stray = CmSandbox.RandomBytes(3000);
        var strayHash = Hashes.Of(stray);
        Directory.CreateDirectory(Path.Combine(Folders[0], strayHash[..2]));
        File.WriteAllBytes(Path.Combine(Folders[0], strayHash[..2], strayHash), stray);
        File.Delete(Path.Combine(Folders[0], files[0].Hash[..2], files[0].Hash));
        var damagedPath = Path.Combine(Folders[0], files[1].Hash[..2], files[1].Hash);
        var bytes = File.ReadAllBytes(damagedPath);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(damagedPath, bytes);

        var scan = await CmAsync(config, "hosts", "scan", "disk-1", "--json");
        Assert.True(scan.ExitCode == 6, scan.ToString());
        Assert.Equal([("orphan", strayHash), ("gone", files[0].Hash)], Findings(scan.Stdout));
        var deep = await CmAsync(config, "hosts", "scan", "disk-1", "--deep", "--json");
        Assert.True(deep.ExitCode == 6, deep.ToString());
        Assert.Equal([("orphan", strayHash), ("gone", files[0].Hash), ("damaged", files[1].Hash)], Findings(deep.Stdout));
        var text = await CmAsync(config, "hosts", "scan", "disk-1", "--deep");
        Assert.Contains("damaged", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("3 finding(s)", text.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await CmAsync(config, "hosts", "scan", "nowhere")).ExitCode);

        static List<(string, string)> Findings(string json)
        {
            using var document = JsonDocument.Parse(json);
            return [.. document.RootElement.GetProperty("findings").EnumerateArray().Select(f => (f.GetProperty("kind").GetString()!, f.GetProperty("hash").GetString()!))];
        }
    }

    public void Dispose()
    {
        Sandbox.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The recovery scenarios on a SQLite catalog.</summary>
public sealed class SqliteRecoverTests : RecoverTests
{
    private string Database => Path.Combine(Sandbox.Root, "catalog.db");

    protected override async Task<string> NewCatalogAsync()
    {
        var setup = await Sandbox.RunAsync("setup-db", Database);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        return Database;
    }

    protected override Task<string> LoseCatalogAsync()
    {
        foreach (var path in new[] { Database, Database + "-wal", Database + "-shm" })
        {
            File.Delete(path);
        }

        return NewCatalogAsync();
    }
}

/// <summary>The recovery scenarios on a PostgreSQL catalog (a schema of its own on the test server).</summary>
public sealed class PostgresRecoverTests : RecoverTests
{
    private PostgresSchema _schema = new();

    protected override async Task<string> NewCatalogAsync()
    {
        var catalog = await _schema.CreateAsync(TestContext.Current.CancellationToken);
        var setup = await Sandbox.RunAsync("setup-db", catalog);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        return catalog;
    }

    protected override async Task<string> LoseCatalogAsync()
    {
        await _schema.DropAsync(TestContext.Current.CancellationToken);
        var catalog = await _schema.CreateAsync(TestContext.Current.CancellationToken);
        var setup = await Sandbox.RunAsync("setup-db", catalog);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        return catalog;
    }
}
