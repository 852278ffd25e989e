using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CloudManager.Gateway.Tests.Support;
using CloudManager.Testing;

namespace CloudManager.Gateway.Tests;

/// <summary>
/// <c>cm serve</c> as a real process given a hostile record through <c>POST /api/sync/load</c>: links to copies
/// that do not exist never make an unsynced file safe, and the gateway refuses to evict it.
/// </summary>
public sealed class HostileRecordServeTests
{
    [Fact]
    public async Task A_record_loaded_through_the_gateway_never_makes_an_unsynced_file_safe()
    {
        using var folder = new TempFolder();
        var hosts = Enumerable.Range(1, 3).Select(i => folder.CreateFolder($"host-{i}")).ToList();
        var config = folder.Combine("cloudmanager.json");
        var hostList = string.Join(", ", hosts.Select((h, i) => $$"""{ "name": "host-{{i + 1}}", "kind": "directory", "settings": { "path": "{{h}}" } }"""));
        // The background sync waits an hour after an upload: only the admin route below replicates.
        await File.WriteAllTextAsync(config, $$"""
            { "catalog": "catalog.db", "cache": "cache", "capacity": "64MiB", "minCopies": 2, "hosts": [ {{hostList}} ],
              "gateway": { "syncDelay": "1h", "syncInterval": "1d", "shutdownTimeout": "2s" } }
            """);
        var environment = new Dictionary<string, string> { ["CM_GATEWAY_TOKEN"] = GatewayServer.Token, ["HOME"] = folder.Path };
        Assert.Equal(0, (await ServeProcess.RunAsync(environment, "setup-db", folder.Combine("catalog.db"))).ExitCode);
        await using var serve = await ServeProcess.StartAsync(config, environment);
        using var client = new HttpClient { BaseAddress = serve.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.Token);

        var content = Requests.RandomBytes(40_000, 11);
        var hash = (await Requests.UploadAsync(client, content, "only-copy.bin")).GetProperty("filehash").GetString()!;
        var payload = JsonNode.Parse((await Requests.GetJsonAsync(client, $"/api/find/{hash}")).GetRawText())!.AsObject();
        payload["uploads"] = new JsonArray([.. new[] { ("host-1", "file:///x"), ("host-2", "file:///y"), ("host-3", "file:///z"), ("elsewhere", "https://e/1") }
            .Select(l => (JsonNode)new JsonObject { ["host_name"] = l.Item1, ["url"] = l.Item2 })]);
        using (var load = await client.PostAsync("/api/sync/load?sync_id=peer-1", new StringContent($"[{payload.ToJsonString()}]", Encoding.UTF8, "application/json")))
        {
            var answer = await load.Content.ReadAsStringAsync();
            Assert.True(load.StatusCode == HttpStatusCode.OK, answer);
            Assert.Contains("\"imported\":1", answer, StringComparison.Ordinal);
        }

        var listed = (await Requests.GetJsonAsync(client, "/api/files?order=hash")).GetProperty("files").EnumerateArray().Single();
        Assert.Equal(("pending", 0), (listed.GetProperty("state").GetString(), listed.GetProperty("copies").GetInt32()));
        using (var evict = await client.PostAsync($"/api/admin/evict/{hash}", null))
        {
            await Requests.ProblemAsync(evict, 409);
        }

        Assert.Equal(1, (await Requests.GetJsonAsync(client, "/api/status")).GetProperty("sync").GetProperty("cloud_queue").GetProperty("count").GetInt64());

        using (var sync = await client.PostAsync("/api/admin/sync", null))
        {
            var answer = await sync.Content.ReadAsStringAsync();
            Assert.True(sync.StatusCode == HttpStatusCode.OK, answer);
            Assert.Contains("\"copies_made\":3", answer, StringComparison.Ordinal);
        }

        var synced = (await Requests.GetJsonAsync(client, "/api/files?order=hash")).GetProperty("files").EnumerateArray().Single();
        Assert.Equal(("safe", 3), (synced.GetProperty("state").GetString(), synced.GetProperty("copies").GetInt32()));
        Assert.All(hosts, h => Assert.Equal(content, File.ReadAllBytes(Path.Combine(h, hash[..2], hash))));
        Assert.Equal(0, await serve.StopAsync());
    }
}
