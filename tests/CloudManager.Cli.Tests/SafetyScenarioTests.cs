using System.Text.Json;
using System.Text.Json.Nodes;
using CloudManager.Testing;

namespace CloudManager.Cli.Tests;

/// <summary>
/// The safety rules of the pool tried on the real <c>cm</c>, one process per command, with config files
/// written by the test: a hostile record, hosts removed, renamed, unmounted or on one place, a file
/// whose copies are all gone, a wrong-size copy. Every scenario runs on SQLite and on PostgreSQL.
/// </summary>
public abstract class SafetyScenarioTests : IAsyncLifetime
{
    private int _configs;

    private protected CmSandbox Sandbox { get; } = new();

    /// <summary>What the configs name as their catalog (set up with <c>cm setup-db</c> before each test).</summary>
    private protected string Catalog { get; private set; } = "";

    /// <summary>host-1, host-2 and host-3: three directory hosts in folders of their own.</summary>
    private protected IReadOnlyList<(string Name, string Folder)> Three => [.. new[] { "host-1", "host-2", "host-3" }.Select(n => (n, HostFolder(n)))];

    /// <summary>Creates this test's empty catalog and returns what a config names it by.</summary>
    private protected abstract Task<string> CreateCatalogAsync();

    public async ValueTask InitializeAsync()
    {
        Catalog = await CreateCatalogAsync();
        Expect(0, await Sandbox.RunAsync("setup-db", Catalog));
    }

    public ValueTask DisposeAsync()
    {
        Sandbox.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>A host's folder (created when missing).</summary>
    private protected string HostFolder(string name) => Directory.CreateDirectory(Path.Combine(Sandbox.Root, "hosts", name)).FullName;

    /// <summary>Where a directory host keeps its copy of a file.</summary>
    private protected string CopyPath(string host, string hash) => Path.Combine(HostFolder(host), hash[..2], hash);

    /// <summary>The objects a host folder holds, its identity marker aside.</summary>
    private protected static List<string> Objects(string folder) =>
        HostFolderContent.Files(folder);

    /// <summary>
    /// Writes a new config file for one node (its cache folder is <c>NODE/cache</c> whatever the file) with these
    /// directory hosts and minimum, on this test's catalog.
    /// </summary>
    private protected string WriteConfig(IEnumerable<(string Name, string Folder)> hosts, int minCopies = 2, string node = "a")
    {
        var config = new JsonObject
        {
            ["catalog"] = Catalog,
            ["cache"] = "cache",
            ["capacity"] = "64MiB",
            ["minCopies"] = minCopies,
            ["nodeId"] = $"node-{node}",
            ["hosts"] = new JsonArray([.. hosts.Select(h => (JsonNode)new JsonObject
            {
                ["name"] = h.Name,
                ["kind"] = "directory",
                ["settings"] = new JsonObject { ["path"] = h.Folder },
            })]),
        };
        var path = Path.Combine(Sandbox.Root, node, $"config-{Interlocked.Increment(ref _configs)}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    private protected Task<CmResult> Cm(string config, params string[] args) => Sandbox.RunAsync(["--config", config, .. args]);

    private protected static CmResult Expect(int exitCode, CmResult result)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}, got {result}");
        return result;
    }

    /// <summary>A new file of random bytes in the working folder, uploaded (not synced).</summary>
    private protected async Task<(string Hash, byte[] Content)> UploadAsync(string config, string name = "a.bin", int length = 40_000)
    {
        var content = CmSandbox.RandomBytes(length);
        Sandbox.WriteFile(name, content);
        var hash = Hashes.Of(content);
        Expect(0, await Cm(config, "upload", name));
        return (hash, content);
    }

    /// <summary>A file uploaded and synced to every host of the config.</summary>
    private protected async Task<(string Hash, byte[] Content)> SyncedFileAsync(string config)
    {
        var file = await UploadAsync(config);
        Expect(0, await Cm(config, "sync"));
        return file;
    }

    /// <summary>The file's state and copies as <c>cm list --json</c> shows them (whatever its exit code).</summary>
    private protected async Task<(string State, int Copies)> ListedAsync(string config, string hash)
    {
        var list = await Cm(config, "list", "--json");
        using var json = JsonDocument.Parse(list.Stdout);
        var file = json.RootElement.EnumerateArray().Single(f => f.GetProperty("hash").GetString() == hash);
        return (file.GetProperty("state").GetString()!, file.GetProperty("copies").GetInt32());
    }

    /// <summary>The result word of each copy <c>cm verify --json</c> checked, by host.</summary>
    private protected static Dictionary<string, string> CopyResults(CmResult verify, string hash)
    {
        using var json = JsonDocument.Parse(verify.Stdout);
        var file = json.RootElement.GetProperty("details").EnumerateArray().Single(f => f.GetProperty("hash").GetString() == hash);
        return file.GetProperty("copies").EnumerateArray().ToDictionary(c => c.GetProperty("host").GetString()!, c => c.GetProperty("result").GetString()!);
    }

    private protected static JsonElement Json(CmResult result, params string[] path)
    {
        using var json = JsonDocument.Parse(result.Stdout);
        return path.Aggregate(json.RootElement, (e, p) => e.GetProperty(p)).Clone();
    }

    [Fact]
    public async Task A_hostile_record_leaves_an_unsynced_file_pending_unevictable_and_queued_until_sync_copies_it()
    {
        var config = WriteConfig(Three);
        var (hash, content) = await UploadAsync(config, "only-copy.bin");

        var payload = JsonNode.Parse(Expect(0, await Cm(config, "info", hash)).Stdout)!.AsObject();
        payload["uploads"] = new JsonArray([.. new[] { ("host-1", "file:///x"), ("host-2", "file:///y"), ("host-3", "file:///z"), ("elsewhere", "https://e/1") }
            .Select(l => (JsonNode)new JsonObject { ["host_name"] = l.Item1, ["url"] = l.Item2 })]);
        Sandbox.WriteFile("hostile.json", $"[{payload.ToJsonString()}]");
        Assert.Equal(1, Json(Expect(0, await Cm(config, "load", "hostile.json", "--sync-id", "peer-1", "--json")), "imported").GetInt32());

        Assert.Equal(("pending", 0), await ListedAsync(config, hash));
        var evict = Expect(3, await Cm(config, "evict", hash));
        Assert.Contains("held by 0 hosts", evict.Stderr, StringComparison.Ordinal);
        Expect(0, await Cm(config, "on-cache", hash));
        var queue = Json(Expect(0, await Cm(config, "status", "--json")), "upload_queue");
        Assert.Equal(1, queue.GetProperty("count").GetInt32());
        Assert.Equal(content.Length, queue.GetProperty("size").GetInt64());

        Expect(0, await Cm(config, "sync"));
        Assert.Equal(("safe", 3), await ListedAsync(config, hash));
        Assert.All(Three, h => Assert.Equal(content, File.ReadAllBytes(CopyPath(h.Name, hash))));
        Assert.Equal(0, Json(Expect(0, await Cm(config, "status", "--json")), "upload_queue", "count").GetInt32());
    }

    [Fact]
    public async Task Copies_on_hosts_removed_from_the_config_stop_counting_and_a_file_left_pending_cannot_be_evicted()
    {
        var all = WriteConfig(Three);
        var (hash, _) = await SyncedFileAsync(all);
        Assert.Equal(("safe", 3), await ListedAsync(all, hash));

        var two = WriteConfig(Three.Take(2));
        Assert.Equal(("safe", 2), await ListedAsync(two, hash));

        // host-4 is new and holds nothing: one copy is left on a configured host, below minCopies 2.
        var one = WriteConfig([Three[0], ("host-4", HostFolder("host-4"))]);
        Assert.Equal(("pending", 1), await ListedAsync(one, hash));
        Assert.Contains("held by 1 host,", Expect(3, await Cm(one, "evict", hash)).Stderr, StringComparison.Ordinal);
        Expect(0, await Cm(one, "on-cache", hash));

        Assert.Equal(("safe", 3), await ListedAsync(all, hash));
        Expect(0, await Cm(all, "evict", hash));
        Expect(1, await Cm(all, "on-cache", hash));
    }

    [Fact]
    public async Task Hosts_that_are_one_place_are_refused_by_any_command_naming_both_and_nothing_is_written()
    {
        var good = WriteConfig(Three);
        var (hash, _) = await UploadAsync(good);
        var folder = HostFolder("host-1");
        var link = Path.Combine(Sandbox.Root, "link-to-host-1");
        Directory.CreateSymbolicLink(link, folder);
        var insideCache = Directory.CreateDirectory(Path.Combine(Sandbox.Root, "a", "cache", "hosted")).FullName;
        var cases = new (string Other, string What)[]
        {
            (folder + "/./", "the same folder written another way"),
            (folder + "/", "the same folder with a trailing slash"),
            (link, "a symbolic link to it"),
            (Directory.CreateDirectory(Path.Combine(folder, "inner")).FullName, "a folder inside it"),
        };

        foreach (var (other, what) in cases)
        {
            var config = WriteConfig([("first", folder), ("second", other)], minCopies: 1);
            foreach (var command in new[] { "list", "sync", "verify" })
            {
                var refused = Expect(2, await Cm(config, command));
                Assert.True(refused.Stderr.Contains("'first'", StringComparison.Ordinal) && refused.Stderr.Contains("'second'", StringComparison.Ordinal), $"{what}, cm {command}: {refused}");
                Assert.Empty(refused.Stdout);
            }
        }

        var inside = WriteConfig([("first", folder), ("inside", insideCache)], minCopies: 1);
        var cache = Expect(2, await Cm(inside, "sync"));
        Assert.Contains("'inside'", cache.Stderr, StringComparison.Ordinal);
        Assert.Contains("cache", cache.Stderr, StringComparison.Ordinal);

        // Nothing was written: no marker and no copy on any host, and the file is still pending with no copy.
        Assert.Equal(["inner"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(folder, "inner")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(insideCache));
        Assert.Equal(("pending", 0), await ListedAsync(good, hash));
    }

    [Fact]
    public async Task A_renamed_host_keeps_its_copies_and_sync_copies_nothing()
    {
        var (hash, content) = await SyncedFileAsync(WriteConfig(Three));
        var renamed = WriteConfig(Three.Select((h, i) => ($"disk-{(char)('a' + i)}", h.Folder)));

        var sync = Expect(0, await Cm(renamed, "sync", "--json"));
        Assert.Equal(0, Json(sync, "copies_made").GetInt32());
        Assert.Equal(0, Json(sync, "bytes_sent").GetInt64());
        var info = Json(Expect(0, await Cm(renamed, "info", hash)), "uploads");
        Assert.Equal(["disk-a", "disk-b", "disk-c"], info.EnumerateArray().Select(u => u.GetProperty("host_name").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(("safe", 3), await ListedAsync(renamed, hash));
        Assert.All(Three, h => Assert.Equal([CopyPath(h.Name, hash)], Objects(h.Folder)));
        Assert.All(Three, h => Assert.Equal(content, File.ReadAllBytes(CopyPath(h.Name, hash))));
    }

    [Fact]
    public async Task An_emptied_host_is_unreachable_not_lost_is_not_filled_by_sync_and_is_filled_after_hosts_init()
    {
        var config = WriteConfig(Three);
        var (hash, content) = await SyncedFileAsync(config);
        var mountPoint = HostFolder("host-3");
        foreach (var entry in Directory.EnumerateFileSystemEntries(mountPoint))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }

        var verify = Expect(5, await Cm(config, "verify", "--json"));
        Assert.Equal("unreachable", CopyResults(verify, hash)["host-3"]);
        Assert.Equal(0, Json(verify, "lost_copies").GetInt32());
        Assert.Equal(1, Json(verify, "unchecked_copies").GetInt32());
        Assert.Contains("cm hosts init host-3", verify.Stderr, StringComparison.Ordinal);

        await Cm(config, "sync");
        Assert.Empty(Directory.EnumerateFileSystemEntries(mountPoint));
        Assert.Equal(("safe", 3), await ListedAsync(config, hash));

        Expect(0, await Cm(config, "hosts", "init", "host-3"));
        Assert.Equal(("safe", 2), await ListedAsync(config, hash));
        Expect(0, await Cm(config, "sync"));
        Assert.Equal(content, File.ReadAllBytes(CopyPath("host-3", hash)));
        Assert.Equal(("safe", 3), await ListedAsync(config, hash));
        Expect(0, await Cm(config, "verify"));
    }

    [Fact]
    public async Task A_file_with_no_copy_left_is_lost_in_verify_status_and_list_every_time_until_its_bytes_come_back()
    {
        var config = WriteConfig(Three);
        var (hash, content) = await SyncedFileAsync(config);
        Expect(0, await Cm(config, "evict", hash));
        foreach (var (name, _) in Three)
        {
            File.Delete(CopyPath(name, hash));
        }

        for (var round = 0; round < 2; round++)
        {
            var verify = Expect(6, await Cm(config, "verify", "--json"));
            Assert.Contains("LOST", verify.Stderr, StringComparison.Ordinal);
            Assert.Equal(1, Json(verify, "lost_files").GetInt32());
            var status = Expect(6, await Cm(config, "status", "--json"));
            Assert.Equal(1, Json(status, "lost", "count").GetInt32());
            Assert.Contains("LOST", Expect(6, await Cm(config, "status")).Stdout, StringComparison.Ordinal);
            Assert.Equal("lost", (await ListedAsync(config, hash)).State);
            var lost = Expect(6, await Cm(config, "list", "--lost", "--json"));
            Assert.Equal([hash], Json(lost).EnumerateArray().Select(f => f.GetProperty("hash").GetString()));
            Assert.Contains(hash, Expect(6, await Cm(config, "list")).Stdout, StringComparison.Ordinal);
        }

        File.WriteAllBytes(CopyPath("host-1", hash), content);
        var back = await Cm(config, "verify", "--json");
        Assert.Equal(0, Json(back, "lost_files").GetInt32());
        Assert.Equal("good", CopyResults(back, hash)["host-1"]);
        Assert.DoesNotContain("LOST", back.Stderr, StringComparison.Ordinal);
        // Two copies are still missing and the file is below minCopies: verify says so (exit 6) and asks for a sync.
        Expect(6, back);
        Assert.Contains("cm sync", back.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, Json(Expect(0, await Cm(config, "status", "--json")), "lost", "count").GetInt32());
        Assert.Equal(("pending", 1), await ListedAsync(config, hash));
        Assert.Empty(Json(Expect(0, await Cm(config, "list", "--lost", "--json"))).EnumerateArray());

        Expect(0, await Cm(config, "sync"));
        Assert.All(Three, h => Assert.Equal(content, File.ReadAllBytes(CopyPath(h.Name, hash))));
        Expect(0, await Cm(config, "verify"));
    }

    [Fact]
    public async Task Min_copies_above_the_number_of_hosts_is_refused_at_start()
    {
        var config = WriteConfig(Three.Take(2), minCopies: 3);
        foreach (var command in new[] { "list", "status", "sync" })
        {
            var refused = Expect(2, await Cm(config, command));
            Assert.Contains("only 2 hosts are", refused.Stderr, StringComparison.Ordinal);
            Assert.Empty(refused.Stdout);
        }

        Assert.All(Three.Take(2), h => Assert.Empty(Directory.EnumerateFileSystemEntries(h.Folder)));
    }

    [Fact]
    public async Task A_wrong_size_copy_is_damaged_in_a_shallow_verify_and_sync_replaces_it()
    {
        var config = WriteConfig(Three);
        var (hash, content) = await SyncedFileAsync(config);
        await using (var copy = File.OpenWrite(CopyPath("host-1", hash)))
        {
            copy.SetLength(100);
        }

        var verify = Expect(6, await Cm(config, "verify", "--json"));
        Assert.False(Json(verify, "deep").GetBoolean());
        Assert.Equal("damaged", CopyResults(verify, hash)["host-1"]);
        Assert.Equal(1, Json(verify, "lost_copies").GetInt32());
        Assert.Equal(("safe", 2), await ListedAsync(config, hash));

        Expect(0, await Cm(config, "sync"));
        Assert.Equal(content, File.ReadAllBytes(CopyPath("host-1", hash)));
        Expect(0, await Cm(config, "verify", "--deep"));
    }
}

/// <summary>The safety scenarios on a SQLite catalog file.</summary>
public sealed class SqliteSafetyScenarioTests : SafetyScenarioTests
{
    private protected override Task<string> CreateCatalogAsync() =>
        Task.FromResult(Path.Combine(Directory.CreateDirectory(Path.Combine(Sandbox.Root, "catalog")).FullName, "catalog.db"));
}
