namespace CloudManager.Cli.Tests;

/// <summary>
/// The safety scenarios on a PostgreSQL catalog (a fresh schema on the server eng/services/postgres.sh starts),
/// and what only a shared catalog allows: two nodes syncing the same files at once.
/// </summary>
public sealed partial class PostgresSafetyScenarioTests : SafetyScenarioTests
{
    private readonly PostgresSchema _schema = new();

    private protected override Task<string> CreateCatalogAsync() => _schema.CreateAsync(TestContext.Current.CancellationToken);

    private Task<T> ScalarAsync<T>(string sql) => _schema.ScalarAsync<T>(sql, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Two_nodes_syncing_the_same_files_at_once_copy_each_file_to_each_host_exactly_once()
    {
        const int Files = 40;
        var a = WriteConfig(Three, node: "a");
        var b = WriteConfig(Three, node: "b");
        var contents = Enumerable.Range(0, Files).Select(i => CmSandbox.RandomBytes(2_000 + (i * 97))).ToList();
        for (var i = 0; i < Files; i++)
        {
            Sandbox.WriteFile(Path.Combine("batch", $"f{i:00}.bin"), contents[i]);
        }

        var uploads = await Task.WhenAll(Cm(a, "upload", "batch"), Cm(b, "upload", "batch"));
        Assert.All(uploads, u => Expect(0, u));
        var syncs = await Task.WhenAll(Cm(a, "sync", "--json"), Cm(b, "sync", "--json"));

        // A node leaves a file pending while the other holds the claim on its last copies (exit 5); a sync
        // after both have finished finds every file safe and copies nothing.
        Assert.All(syncs, s => Assert.True(s.ExitCode is 0 or 5, s.ToString()));
        Assert.All([Expect(0, await Cm(a, "sync", "--json")), Expect(0, await Cm(b, "sync", "--json"))], s => Assert.Equal(0, Json(s, "copies_made").GetInt32()));
        var total = contents.Sum(c => (long)c.Length);
        Assert.Equal(3 * Files, syncs.Sum(s => Json(s, "copies_made").GetInt32()));
        Assert.Equal(3 * total, syncs.Sum(s => Json(s, "bytes_sent").GetInt64()));
        Assert.All(syncs, s => Assert.Equal(0, Json(s, "failed_attempts").GetInt32()));
        foreach (var (name, folder) in Three)
        {
            Assert.Equal(Files, Objects(folder).Count);
            Assert.All(contents, c => Assert.Equal(c, File.ReadAllBytes(CopyPath(name, Hashes.Of(c)))));
        }

        // The transfer meter of each node counts what it sent: together, each file once to each host.
        var statuses = await Task.WhenAll(Cm(a, "status", "--json"), Cm(b, "status", "--json"));
        Assert.Equal(3 * total, statuses.Select(s => Expect(0, s)).Sum(s => Json(s, "transfers", "total", "outgoing_bytes").GetInt64()));
        Assert.Equal((long)Files, await ScalarAsync<long>("SELECT COUNT(*) FROM files WHERE stored_copies = 3"));
        Assert.Equal(3L * Files, await ScalarAsync<long>("SELECT COUNT(*) FROM copies WHERE state = 0"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM copy_leases"));
        Assert.Equal(2L * Files, await ScalarAsync<long>("SELECT COUNT(*) FROM cache_entries"));
    }
}
