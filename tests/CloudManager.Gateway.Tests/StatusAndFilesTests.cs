using System.Net;
using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed class StatusAndFilesTests
{
    [Fact]
    public async Task Status_reports_storage_files_bandwidth_queues_hosts_and_auth()
    {
        await using var server = await GatewayServer.StartAsync(o => o.MonthlyOutgoingLimitBytes = 1L << 30);
        var content = Requests.RandomBytes(100_000, 20);
        await Requests.UploadAsync(server.Client, content, "status.bin");
        await Requests.WaitForReplicationAsync(server.Client);

        var status = await Requests.GetJsonAsync(server.Client, "/api/status");

        Assert.Equal(await server.Pool.GetNodeIdAsync(), status.GetProperty("node_id").GetString());
        var storage = status.GetProperty("storage");
        Assert.Equal(64L << 20, storage.GetProperty("capacity").GetInt64());
        Assert.Equal(server.Pool.CacheLimit, storage.GetProperty("limit").GetInt64());
        Assert.Equal(content.Length, storage.GetProperty("used").GetInt64());
        Assert.Equal(server.Pool.CacheLimit, storage.GetProperty("max_file_size").GetInt64());
        Assert.Equal(1, status.GetProperty("files").GetProperty("count").GetInt64());
        var bandwidth = status.GetProperty("bandwidth");
        Assert.Equal(content.Length, bandwidth.GetProperty("total").GetProperty("incoming").GetInt64());
        Assert.Equal(3L * content.Length, bandwidth.GetProperty("current").GetProperty("outgoing").GetInt64());
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), bandwidth.GetProperty("current").GetProperty("month").GetString());
        Assert.Equal(JsonValueKindNull, bandwidth.GetProperty("limits").GetProperty("incoming").ValueKind);
        Assert.Equal(1L << 30, bandwidth.GetProperty("limits").GetProperty("outgoing").GetInt64());
        var sync = status.GetProperty("sync");
        Assert.Equal(0, sync.GetProperty("cloud_queue").GetProperty("count").GetInt64());
        Assert.Equal(1, sync.GetProperty("export_queue").GetProperty("count").GetInt64());
        Assert.Equal(content.Length, sync.GetProperty("export_queue").GetProperty("size").GetInt64());
        Assert.Equal(3, sync.GetProperty("last_run").GetProperty("copies_made").GetInt32());
        var hosts = status.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(["disk-a", "disk-b", "disk-c"], hosts.Select(h => h.GetProperty("name").GetString()));
        Assert.All(hosts, h => Assert.Equal(1, h.GetProperty("copies").GetInt64()));
        Assert.False(status.GetProperty("auth").GetProperty("token_required").GetBoolean());
    }

    [Fact]
    public async Task Status_says_which_host_cannot_be_reached()
    {
        await using var server = await GatewayServer.StartAsync(o => o.HostProbeInterval = TimeSpan.FromSeconds(1));
        Directory.Delete(server.HostPath("disk-b"));

        await Requests.EventuallyAsync(async () =>
        {
            var hosts = (await Requests.GetJsonAsync(server.Client, "/api/status")).GetProperty("hosts").EnumerateArray().ToList();
            return hosts.Single(h => h.GetProperty("name").GetString() == "disk-b").GetProperty("health").GetString() == "unreachable"
                && hosts.Single(h => h.GetProperty("name").GetString() == "disk-a").GetProperty("health").GetString() == "ok";
        }, "disk-b is reported unreachable, disk-a ok");
    }

    [Fact]
    public async Task Files_pages_newest_first_and_in_hash_order()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);
        var hashes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var content = Requests.RandomBytes(100 + i, 30 + i);
            await Requests.UploadAsync(server.Client, content, $"file-{i}.bin");
            hashes.Add(Requests.Sha256(content));
        }

        var byHash = new List<string>();
        string? after = null;
        do
        {
            var page = await Requests.GetJsonAsync(server.Client, $"/api/files?order=hash&limit=2{(after is null ? "" : "&after=" + after)}");
            Assert.Equal(5, page.GetProperty("total").GetProperty("count").GetInt64());
            byHash.AddRange(page.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("hash").GetString()!));
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);

        Assert.Equal(hashes.Order(StringComparer.Ordinal), byHash);

        var newest = await Requests.GetJsonAsync(server.Client, "/api/files?limit=10");
        var files = newest.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(hashes.ToHashSet(), files.Select(f => f.GetProperty("hash").GetString()!).ToHashSet());
        var times = files.Select(f => f.GetProperty("created_at").GetDateTime()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        var first = files[0];
        Assert.Equal("pending", first.GetProperty("state").GetString());
        Assert.True(first.GetProperty("cached").GetBoolean());
        Assert.Equal(0, first.GetProperty("copies").GetInt32());
        Assert.Equal(JsonValueKindNull, newest.GetProperty("next").ValueKind);

        var pageOne = await Requests.GetJsonAsync(server.Client, "/api/files?limit=3");
        var pageTwo = await Requests.GetJsonAsync(server.Client, $"/api/files?limit=3&after={pageOne.GetProperty("next").GetString()}");
        var paged = pageOne.GetProperty("files").EnumerateArray().Concat(pageTwo.GetProperty("files").EnumerateArray()).Select(f => f.GetProperty("hash").GetString()).ToList();
        Assert.Equal(files.Select(f => f.GetProperty("hash").GetString()), paged);
    }

    [Theory]
    [InlineData("/api/files?order=size")]
    [InlineData("/api/files?limit=0")]
    [InlineData("/api/files?limit=1001")]
    [InlineData("/api/files?after=xyz")]
    [InlineData("/api/files?after=0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task Files_with_bad_parameters_is_a_400_problem(string path)
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);

        using var response = await server.Client.GetAsync(path);

        await Requests.ProblemAsync(response, 400);
    }

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);

        using var response = await server.Client.GetAsync("/api/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
