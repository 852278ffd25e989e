using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace CloudManager.Cli.Tests;

/// <summary>
/// Two nodes on one PostgreSQL catalog, node B's clock 400 days ahead (CM_CLOCK_OFFSET=400d): it stamps
/// shared times on the catalog's clock, takes no lease another node holds, leases for minutes, and
/// neither node's status, list, verify or dump says anything false.
/// </summary>
public sealed partial class PostgresSafetyScenarioTests
{
    private const string AheadOffset = "400d";

    /// <summary>cm on node B, its clock 400 days ahead of the machine's.</summary>
    private Task<CmResult> CmAhead(string config, params string[] args) =>
        Sandbox.BashAsync($"CM_CLOCK_OFFSET={AheadOffset} {CmSandbox.CmCommandLine} --config {CmSandbox.Quote(config)} {string.Join(' ', args.Select(CmSandbox.Quote))}");

    /// <summary>The catalog server's clock, in Unix milliseconds.</summary>
    private Task<long> ServerNowAsync() => ScalarAsync<long>("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)");

    private static void AssertNearServer(long serverMilliseconds, long milliseconds, string what) =>
        Assert.True(Math.Abs(milliseconds - serverMilliseconds) < TimeSpan.FromMinutes(5).TotalMilliseconds,
            $"{what} is {DateTimeOffset.FromUnixTimeMilliseconds(milliseconds):O}, the catalog's clock {DateTimeOffset.FromUnixTimeMilliseconds(serverMilliseconds):O}");

    [Fact]
    public async Task A_node_whose_clock_is_400_days_ahead_stamps_the_catalogs_time_takes_no_live_lease_and_reports_nothing_false()
    {
        var a = WriteConfig(Three, node: "a");
        var b = WriteConfig(Three, node: "b");
        var (older, _) = await SyncedFileAsync(a);
        var (pendingOnA, _) = await UploadAsync(a, "pending-on-a.bin");

        // B says its clock is shifted, and that it follows the catalog's; its file is dated by the catalog.
        var content = CmSandbox.RandomBytes(30_000);
        Sandbox.WriteFile("b.bin", content);
        var upload = Expect(0, await CmAhead(b, "upload", "b.bin"));
        Assert.Contains("CM_CLOCK_OFFSET is set", upload.Stderr, StringComparison.Ordinal);
        Assert.Contains("ahead of the catalog", upload.Stderr, StringComparison.Ordinal);
        var fromB = Hashes.Of(content);
        var info = Json(Expect(0, await CmAhead(b, "info", fromB)));
        AssertNearServer(await ServerNowAsync(), long.Parse(info.GetProperty("datetime").GetString()!, CultureInfo.InvariantCulture) * 1000, "B's file's date");

        // B's leases last minutes on the catalog's clock: B is held while recording its copy on host-1,
        // its lease visible meanwhile.
        long leaseExpires;
        var hostOne = await ScalarAsync<string>("SELECT host_id FROM host_ids WHERE name = 'host-1'");
        await using (var holder = await _schema.ConnectAsync(TestContext.Current.CancellationToken))
        {
            await using var transaction = await holder.BeginTransactionAsync(TestContext.Current.CancellationToken);
            await using (var hold = new NpgsqlCommand("SELECT name FROM hosts WHERE name = 'host-1' FOR UPDATE", holder, transaction))
            {
                Assert.Equal("host-1", await hold.ExecuteScalarAsync(TestContext.Current.CancellationToken));
            }

            var sync = CmAhead(b, "sync", "--json");
            leaseExpires = await WaitForLeaseAsync(fromB, hostOne, "node-b", sync);
            AssertNearServer(await ServerNowAsync() + (long)TimeSpan.FromMinutes(2).TotalMilliseconds, leaseExpires, "B's lease's expiry");
            await transaction.RollbackAsync(TestContext.Current.CancellationToken);
            Assert.Equal(3, Json(Expect(0, await sync), "copies_made").GetInt32());
        }

        Assert.True(leaseExpires > await ServerNowAsync() - TimeSpan.FromMinutes(1).TotalMilliseconds, "B's lease looked expired to the catalog");
        Assert.Equal(("safe", 3), await ListedAsync(a, fromB));

        // A holds live leases on copying a file of B's to every host (as a node in the middle of a sync
        // would): B, whose own clock says they ended 400 days ago, leaves them and the file alone.
        var (leased, _) = await UploadAsync(b, "leased.bin");
        var now = await ServerNowAsync();
        foreach (var host in new[] { "host-1", "host-2", "host-3" })
        {
            await ScalarAsync<long>(
                $"WITH i AS (INSERT INTO copy_leases (hash, host_id, node_id, expires_at) SELECT '{leased}', host_id, 'node-a', {now + 120_000} FROM host_ids WHERE name = '{host}' RETURNING 1) SELECT COUNT(*) FROM i");
        }

        var held = await CmAhead(b, "sync", "--json");
        Assert.True(held.ExitCode == 5, held.ToString());
        Assert.Equal(0, Json(held, "copies_made").GetInt32());
        Assert.Equal(3L, await ScalarAsync<long>($"SELECT COUNT(*) FROM copy_leases WHERE hash = '{leased}' AND node_id = 'node-a'"));
        Assert.All(Three, h => Assert.False(File.Exists(CopyPath(h.Name, leased))));
        Assert.Equal(("pending", 0), await ListedAsync(a, leased));
        await ScalarAsync<long>("WITH d AS (DELETE FROM copy_leases RETURNING 1) SELECT COUNT(*) FROM d");
        Assert.Equal(3, Json(Expect(0, await CmAhead(b, "sync", "--json")), "copies_made").GetInt32());

        // B's verify finds A's copies good and changes nothing; A's file that no host holds stays pending and cached.
        var verify = Expect(0, await CmAhead(b, "verify", "--json"));
        Assert.Equal(0, Json(verify, "lost_files").GetInt32());
        Assert.All(CopyResults(verify, older), c => Assert.Equal("good", c.Value));
        Assert.Equal(("safe", 3), await ListedAsync(a, older));
        Assert.Equal(("pending", 0), await ListedAsync(b, pendingOnA));
        Assert.Contains("held by 0 hosts", Expect(3, await Cm(a, "evict", pendingOnA)).Stderr, StringComparison.Ordinal);
        Expect(0, await Cm(a, "on-cache", pendingOnA));

        // Status on B: this month is the catalog's month and holds all B sent, nothing lost, A's pending file queued on A only.
        var status = Expect(0, await CmAhead(b, "status", "--json"));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(await ServerNowAsync()).ToString("yyyy-MM", CultureInfo.InvariantCulture), Json(status, "transfers", "this_month", "month").GetString());
        var sent = Json(status, "transfers", "total", "outgoing_bytes").GetInt64();
        Assert.True(sent > 0);
        Assert.Equal(sent, Json(status, "transfers", "this_month", "outgoing_bytes").GetInt64());
        Assert.Equal(0, Json(status, "lost", "count").GetInt32());
        Assert.Equal(0, Json(status, "upload_queue", "count").GetInt32());
        Assert.Equal(1, Json(Expect(0, await Cm(a, "status", "--json")), "upload_queue", "count").GetInt32());

        // B's dump marks the records exported on the catalog's clock: A does not offer them again within the hour.
        var dump = Expect(0, await CmAhead(b, "dump"));
        using (var records = JsonDocument.Parse(dump.Stdout))
        {
            Assert.Equal(3, records.RootElement.GetArrayLength());
        }

        AssertNearServer(await ServerNowAsync(), await ScalarAsync<long>("SELECT MAX(exported_at) FROM files"), "the latest export");
        AssertNearServer(await ServerNowAsync(), await ScalarAsync<long>("SELECT MIN(exported_at) FROM files WHERE exported_at IS NOT NULL"), "the earliest export");
        Assert.Empty(Expect(0, await Cm(a, "dump")).Stdout);
        Expect(0, await Cm(a, "verify"));
    }

    /// <summary>Waits until the node holds a lease on copying the file to the host, and returns when it expires.</summary>
    private async Task<long> WaitForLeaseAsync(string hash, string hostId, string node, Task<CmResult> sync)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(sync.IsCompleted, $"the sync ended while it should wait: {(sync.IsCompleted ? sync.Result.ToString() : "")}");
            var expires = await ScalarAsync<long>(
                $"SELECT COALESCE(MAX(expires_at), -1) FROM copy_leases WHERE hash = '{hash}' AND host_id = '{hostId}' AND node_id = '{node}'");
            if (expires >= 0)
            {
                return expires;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("node B never took its lease");
    }
}
