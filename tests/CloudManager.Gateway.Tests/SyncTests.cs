using System.Net;
using System.Text.Json;
using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed class SyncTests
{
    [Fact]
    public async Task Dump_from_one_node_loads_into_another_which_then_serves_the_file_from_the_shared_hosts()
    {
        await using var source = await GatewayServer.StartAsync();
        var content = Requests.RandomBytes(50_000, 40);
        var hash = Requests.Sha256(content);
        await Requests.UploadAsync(source.Client, content, "shared.bin");
        await Requests.WaitForReplicationAsync(source.Client);
        // The second node reaches the same hosts under the same names.
        await using var target = await GatewayServer.StartAsync(configurePool: options =>
        {
            options.Hosts.Clear();
            foreach (var name in new[] { "disk-a", "disk-b", "disk-c" })
            {
                options.Hosts.Add(new CloudManager.Hosts.DirectoryHost(name, source.HostPath(name)));
            }
        });

        using var dump = await source.Client.GetAsync("/api/sync/dump?limit=100000");
        Assert.Equal(HttpStatusCode.OK, dump.StatusCode);
        var json = await dump.Content.ReadAsStringAsync();
        Assert.Equal(hash, JsonDocument.Parse(json).RootElement[0].GetProperty("filehash").GetString());

        using var load = await Requests.PostJsonTextAsync(target.Client, "/api/sync/load?sync_id=block-1", json);
        var loaded = JsonDocument.Parse(await load.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        Assert.Equal(1, loaded.GetProperty("imported").GetInt32());
        Assert.Equal("block-1", loaded.GetProperty("sync_id").GetString());

        Assert.Equal(content, await target.Client.GetByteArrayAsync($"/api/download/{hash}"));
        using var again = await source.Client.GetAsync("/api/sync/dump");
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }

    [Fact]
    public async Task Dump_with_nothing_to_export_answers_204_and_a_bad_limit_400()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);

        using (var empty = await server.Client.GetAsync("/api/sync/dump"))
        {
            Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
        }

        foreach (var limit in new[] { "1", "999999999", "abc" })
        {
            using var response = await server.Client.GetAsync($"/api/sync/dump?limit={limit}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task Load_of_invalid_data_is_a_422_problem_naming_the_field_and_imports_nothing()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);
        var json = """[{"version":"0.2","datetime":"1391212800","filename":"a.txt","filesize":12,"filehash":"0000000000000000000000000000000000000000000000000000000000000000","uploads":[]},{"version":"0.2","datetime":"1391212800","filename":"b","filesize":-1,"filehash":"1111111111111111111111111111111111111111111111111111111111111111","uploads":[]}]""";

        using var response = await Requests.PostJsonTextAsync(server.Client, "/api/sync/load?sync_id=peer", json);

        var problem = await Requests.ProblemAsync(response, 422);
        Assert.Contains("record 1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("filesize", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await server.Pool.Catalog.CountFilesAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Load_refuses_records_whose_name_is_a_path_or_holds_invisible_characters_and_imports_the_others()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);
        var json = """[{"version":"0.2","datetime":"1391212800","filename":"a.txt","filesize":12,"filehash":"0000000000000000000000000000000000000000000000000000000000000000","uploads":[]},{"version":"0.2","datetime":"1391212800","filename":"../b","filesize":1,"filehash":"1111111111111111111111111111111111111111111111111111111111111111","uploads":[]},{"version":"0.2","datetime":"1391212800","filename":"c\u202Etxt.exe","filesize":1,"filehash":"2222222222222222222222222222222222222222222222222222222222222222","uploads":[]}]""";

        using var response = await Requests.PostJsonTextAsync(server.Client, "/api/sync/load?sync_id=peer", json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, body.RootElement.GetProperty("imported").GetInt32());
        var rejected = body.RootElement.GetProperty("rejected").EnumerateArray().ToList();
        Assert.Equal([1, 2], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal("2222222222222222222222222222222222222222222222222222222222222222", rejected[1].GetProperty("filehash").GetString());
        Assert.Contains("U+202E", rejected[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await server.Pool.Catalog.CountFilesAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Load_of_a_body_that_is_not_json_is_refused_with_415()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);

        // A page on another site can post text/plain without asking first; application/json it cannot.
        using var response = await server.Client.PostAsync("/api/sync/load?sync_id=peer", new StringContent("[]"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Load_without_a_sync_id_is_400_and_over_the_size_limit_413()
    {
        await using var server = await GatewayServer.StartAsync(o => o.MaxSyncLoadBytes = 4096, hostNames: []);

        using (var noId = await Requests.PostJsonTextAsync(server.Client, "/api/sync/load", "[]"))
        {
            await Requests.ProblemAsync(noId, 400);
        }

        using var tooLarge = await Requests.PostJsonTextAsync(server.Client, "/api/sync/load?sync_id=x", "[" + new string(' ', 5000) + "]");
        await Requests.ProblemAsync(tooLarge, 413);
    }
}
