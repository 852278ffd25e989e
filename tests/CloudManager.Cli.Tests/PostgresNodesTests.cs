using System.Reflection;
using System.Text.Json;

namespace CloudManager.Cli.Tests;

/// <summary>Several nodes as real processes, each with its own cache folder, on one PostgreSQL catalog and the same hosts.</summary>
public sealed class PostgresNodesTests : IDisposable
{
    private readonly CmSandbox _sandbox = new();
    private readonly PostgresSchema _schema = new();
    private readonly List<string> _hosts;

    public PostgresNodesTests()
    {
        _hosts = Enumerable.Range(1, 3).Select(i => Path.Combine(_sandbox.Root, "hosts", $"host-{i}")).ToList();
        _hosts.ForEach(h => Directory.CreateDirectory(h));
    }

    private Task<string> CreateSchemaAsync() => _schema.CreateAsync(TestContext.Current.CancellationToken);

    private Task<T> ScalarAsync<T>(string sql) => _schema.ScalarAsync<T>(sql, TestContext.Current.CancellationToken);

    private string WriteConfig(string node, string catalog)
    {
        var path = Path.Combine(_sandbox.Root, node, "cloudmanager.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var hostList = string.Join(",\n", _hosts.Select((h, i) => $$"""    { "name": "host-{{i + 1}}", "kind": "directory", "settings": { "path": "{{h}}" } }"""));
        File.WriteAllText(path, $$"""
            {
              "catalog": "{{catalog}}",
              "cache": "cache",
              "capacity": "64MiB",
              "hosts": [
            {{hostList}}
              ]
            }
            """);
        return path;
    }

    [Fact]
    public async Task Two_node_processes_share_the_catalog_and_hosts_but_not_their_caches()
    {
        var catalog = await CreateSchemaAsync();
        var a = WriteConfig("a", catalog);
        var b = WriteConfig("b", catalog);
        var content = CmSandbox.RandomBytes(200_000);
        _sandbox.WriteFile("shared.bin", content);
        var hash = Hashes.Of(content);

        var setup = await _sandbox.RunAsync("setup-db", catalog);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        Assert.Equal(0, (await _sandbox.RunAsync("--config", a, "upload", "shared.bin")).ExitCode);
        Assert.Equal(0, (await _sandbox.RunAsync("--config", a, "sync")).ExitCode);
        Assert.Equal(1, (await _sandbox.RunAsync("--config", b, "on-cache", hash)).ExitCode);
        var warm = await _sandbox.RunAsync("--config", b, "warm-up", hash);
        Assert.True(warm.ExitCode == 0, warm.ToString());
        Assert.Equal(content, File.ReadAllBytes(warm.Stdout.Trim()));

        Assert.Equal(0, (await _sandbox.RunAsync("--config", a, "evict", hash)).ExitCode);
        Assert.Equal(1, (await _sandbox.RunAsync("--config", a, "on-cache", hash)).ExitCode);
        Assert.Equal(0, (await _sandbox.RunAsync("--config", b, "on-cache", hash)).ExitCode);
        Assert.Equal(2L, await ScalarAsync<long>("SELECT COUNT(*) FROM nodes"));
    }

    [Fact]
    public async Task One_file_uploaded_by_two_processes_at_once_gives_one_record_and_one_set_of_copies()
    {
        var catalog = await CreateSchemaAsync();
        var a = WriteConfig("a", catalog);
        var b = WriteConfig("b", catalog);
        var content = CmSandbox.RandomBytes(120_000);
        _sandbox.WriteFile("same.bin", content);
        var hash = Hashes.Of(content);
        Assert.Equal(0, (await _sandbox.RunAsync("setup-db", catalog)).ExitCode);

        var uploads = await Task.WhenAll(_sandbox.RunAsync("--config", a, "upload", "same.bin"), _sandbox.RunAsync("--config", b, "upload", "same.bin"));
        Assert.All(uploads, u => Assert.True(u.ExitCode == 0, u.ToString()));
        var syncs = await Task.WhenAll(_sandbox.RunAsync("--config", a, "sync"), _sandbox.RunAsync("--config", b, "sync"));
        // The copies are leased in the catalog: a node that finds the other copying says the file is still
        // pending (exit 5) rather than copy it again; a later sync on either node finds it safe.
        Assert.All(syncs, s => Assert.True(s.ExitCode is 0 or 5, s.ToString()));
        foreach (var config in new[] { a, b })
        {
            var again = await _sandbox.RunAsync("--config", config, "sync", "--json");
            Assert.True(again.ExitCode == 0, again.ToString());
        }

        Assert.Equal(1L, await ScalarAsync<long>("SELECT COUNT(*) FROM files"));
        Assert.Equal(3L, await ScalarAsync<long>($"SELECT COUNT(*) FROM copies WHERE hash = '{hash}' AND state = 0"));
        Assert.Equal(3L, await ScalarAsync<long>($"SELECT stored_copies FROM files WHERE hash = '{hash}'"));
        Assert.Equal(2L, await ScalarAsync<long>($"SELECT COUNT(*) FROM cache_entries WHERE hash = '{hash}'"));
        using var info = JsonDocument.Parse((await _sandbox.RunAsync("--config", b, "info", hash)).Stdout);
        Assert.Equal(3, info.RootElement.GetProperty("uploads").GetArrayLength());
    }

    [Fact]
    public async Task Four_processes_of_a_thousand_mixed_operations_keep_rows_and_meters_exact()
    {
        var catalog = await CreateSchemaAsync();
        Assert.Equal(0, (await _sandbox.RunAsync("setup-db", catalog)).ExitCode);
        var worker = typeof(PostgresNodesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "StressWorker").Value!;
        Assert.True(File.Exists(worker), $"the stress worker is not built at {worker}");
        var hostsRoot = Path.Combine(_sandbox.Root, "hosts");

        var runs = await Task.WhenAll(Enumerable.Range(1, 4).Select(node => _sandbox.RunProcessAsync(
            CmSandbox.Dotnet,
            [worker, catalog, Path.Combine(_sandbox.Root, $"node-{node}", "cache"), hostsRoot, node.ToString(System.Globalization.CultureInfo.InvariantCulture), "1000"],
            stdin: null,
            workingDirectory: null)));

        foreach (var run in runs)
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            using var report = JsonDocument.Parse(run.Stdout);
            Assert.True(report.RootElement.GetProperty("ok").GetBoolean(), run.Stdout);
            Assert.Equal(1000, report.RootElement.GetProperty("operations").GetInt32());
        }

        Assert.Equal(4L, await ScalarAsync<long>("SELECT COUNT(*) FROM nodes"));
        Assert.Equal(0L, await ScalarAsync<long>(
            "SELECT COUNT(*) FROM files f WHERE f.stored_copies <> (SELECT COUNT(*) FROM copies c WHERE c.hash = f.hash AND c.state = 0)"));
        Assert.Equal(0L, await ScalarAsync<long>(
            "SELECT COUNT(*) FROM nodes n WHERE n.used_bytes <> (SELECT COALESCE(SUM(size), 0) FROM cache_entries e WHERE e.node_id = n.node_id)"));
        // Four processes read the three hosts' markers and agreed on one identity each; every copy is on one of them.
        Assert.Equal(3L, await ScalarAsync<long>("SELECT COUNT(*) FROM host_ids WHERE name IN ('host-1', 'host-2', 'host-3')"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM copies WHERE host NOT IN (SELECT host_id FROM host_ids)"));
        Assert.InRange(await ScalarAsync<long>("SELECT COUNT(*) FROM files"), 1, 60);
        for (var node = 1; node <= 4; node++)
        {
            var folder = Path.Combine(_sandbox.Root, $"node-{node}", "cache", "objects");
            var onDisk = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            var nodeId = File.ReadAllText(Path.Combine(_sandbox.Root, $"node-{node}", "cache", "node-id")).Trim();
            Assert.Equal(onDisk, await ScalarAsync<long>($"SELECT used_bytes FROM nodes WHERE node_id = '{nodeId}'"));
        }
    }

    public void Dispose() => _sandbox.Dispose();
}
