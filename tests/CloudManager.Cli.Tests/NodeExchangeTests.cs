namespace CloudManager.Cli.Tests;

/// <summary>Two nodes with their own catalog and cache share directory hosts and exchange records with dump and load.</summary>
public sealed class NodeExchangeTests
{
    [Fact]
    public async Task Dump_then_load_lets_a_second_node_download_the_file_from_the_shared_hosts()
    {
        using var sandbox = new CmSandbox();
        var hosts = Enumerable.Range(1, 3).Select(i => Path.Combine(sandbox.Root, "shared", $"host-{i}")).ToList();
        hosts.ForEach(h => Directory.CreateDirectory(h));
        var configA = WriteConfig(sandbox, "a", hosts);
        var configB = WriteConfig(sandbox, "b", hosts);
        var content = CmSandbox.RandomBytes(150_000);
        sandbox.WriteFile("shared.bin", content);
        var hash = Hashes.Of(content);

        Assert.Equal(0, (await sandbox.RunAsync("setup-db", Path.Combine(sandbox.Root, "a", "catalog.db"))).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("--config", configA, "upload", "shared.bin")).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("--config", configA, "sync")).ExitCode);
        var dump = await sandbox.RunAsync("--config", configA, "dump", "-o", "records.json");
        Assert.True(dump.ExitCode == 0, dump.ToString());
        Assert.Empty(dump.Stdout);

        var setup = await sandbox.RunAsync("setup-db", Path.Combine(sandbox.Root, "b", "catalog.db"));
        Assert.True(setup.ExitCode == 0, setup.ToString());
        var load = await sandbox.RunAsync("--config", configB, "load", "records.json", "--sync-id", "node-a-1", "--json");
        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Contains("\"imported\": 1", load.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, (await sandbox.RunAsync("--config", configB, "exists", hash)).ExitCode);
        Assert.Equal(1, (await sandbox.RunAsync("--config", configB, "on-cache", hash)).ExitCode);
        var download = await sandbox.RunAsync("--config", configB, "download", hash, "-o", "from-b.bin");
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(sandbox.Work, "from-b.bin")));
    }

    [Fact]
    public async Task Dump_with_nothing_to_export_prints_nothing_and_exits_zero()
    {
        using var sandbox = new CmSandbox();

        var empty = await sandbox.RunAsync("dump");
        Assert.Equal(0, empty.ExitCode);
        Assert.Empty(empty.Stdout);

        sandbox.WriteFile("x.txt", "x");
        Assert.Equal(0, (await sandbox.RunAsync("upload", "x.txt")).ExitCode);
        var pendingOnly = await sandbox.RunAsync("dump", "-o", "never.json");
        Assert.Equal(0, pendingOnly.ExitCode);
        Assert.False(File.Exists(Path.Combine(sandbox.Work, "never.json")));

        Assert.Equal(0, (await sandbox.RunAsync("sync")).ExitCode);
        var first = await sandbox.RunAsync("dump");
        Assert.Equal(0, first.ExitCode);
        Assert.Contains(Hashes.Of("x"u8.ToArray()), first.Stdout, StringComparison.Ordinal);
        Assert.Empty((await sandbox.RunAsync("dump")).Stdout);
    }

    private static string WriteConfig(CmSandbox sandbox, string node, List<string> hosts)
    {
        var path = Path.Combine(sandbox.Root, node, "cloudmanager.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var hostList = string.Join(",\n", hosts.Select((h, i) => $$"""    { "name": "host-{{i + 1}}", "kind": "directory", "settings": { "path": "{{h}}" } }"""));
        File.WriteAllText(path, $$"""
            {
              // Relative to this file.
              "catalog": "catalog.db",
              "cache": "cache",
              "capacity": "64MiB",
              "nodeId": "node-{{node}}",
              "hosts": [
            {{hostList}}
              ]
            }
            """);
        return path;
    }
}
