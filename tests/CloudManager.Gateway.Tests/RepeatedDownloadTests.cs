using System.Net;
using System.Net.Http.Headers;
using CloudManager.Gateway.Tests.Support;
using CloudManager.Hosts;

namespace CloudManager.Gateway.Tests;

/// <summary>
/// Downloads of a file that was just downloaded: the pool answers them from its recent lookups
/// instead of the catalog, and small ones from a copy in memory, which must never serve bytes that
/// left the cache or changed nor lose a count.
/// </summary>
public sealed class RepeatedDownloadTests
{
    [Fact]
    public async Task A_file_evicted_by_another_process_after_a_download_is_fetched_back_from_a_host()
    {
        await using var server = await GatewayServer.StartAsync();
        var (content, hash) = await UploadSafeAndDownloadAsync(server, 30_000, 40, "evicted-elsewhere.bin");

        // Another process on the same catalog and cache folder evicts it: the gateway's pool is not told.
        await using (var other = await CloudPool.OpenAsync(SamePool(server)))
        {
            Assert.True(await other.EvictAsync(hash));
        }

        Assert.False(File.Exists(CachedPath(server, hash)));
        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/api/download/{hash}"));
        Assert.True(File.Exists(CachedPath(server, hash)));
        Assert.True(await server.Pool.OnCacheAsync(hash));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cached_file_deleted_or_cut_short_behind_the_pools_back_is_not_served(bool cutShort)
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);
        var content = Requests.RandomBytes(20_000, cutShort ? 41 : 42);
        await Requests.UploadAsync(server.Client, content, "damaged.bin");
        var hash = Requests.Sha256(content);
        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/api/download/{hash}"));

        var path = CachedPath(server, hash);
        if (cutShort)
        {
            await File.WriteAllBytesAsync(path, content.AsSpan(0, 10_000).ToArray());
        }
        else
        {
            File.Delete(path);
        }

        // No host holds it, so the only right answer is that it cannot be delivered.
        using var response = await server.Client.GetAsync($"/api/download/{hash}");
        await Requests.ProblemAsync(response, 503);
        Assert.False(await server.Pool.OnCacheAsync(hash));
    }

    [Fact]
    public async Task Concurrent_downloads_of_one_file_are_all_served_whole_and_all_metered()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);
        var content = Requests.RandomBytes(64 * 1024, 43);
        await Requests.UploadAsync(server.Client, content, "busy.bin");
        var hash = Requests.Sha256(content);
        const int Downloads = 40;

        var bodies = await Task.WhenAll(Enumerable.Range(0, Downloads).Select(_ => server.Client.GetByteArrayAsync($"/api/download/{hash}")));

        Assert.All(bodies, body => Assert.Equal(content, body));
        await Requests.EventuallyAsync(
            async () => await server.Pool.CurrentOutgoingAsync() == (long)Downloads * content.Length, "every byte sent reached the catalog", seconds: 10);
    }

    [Fact]
    public async Task A_file_evicted_by_the_gateways_own_pool_is_fetched_back_on_the_next_download()
    {
        await using var server = await GatewayServer.StartAsync();
        var (content, hash) = await UploadSafeAndDownloadAsync(server, 12_000, 44, "evicted-here.bin");

        Assert.True(await server.Pool.EvictAsync(hash));
        Assert.False(await server.Pool.OnCacheAsync(hash));

        using var response = await server.Client.GetAsync($"/api/download/{hash}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.True(await server.Pool.OnCacheAsync(hash));
    }

    public enum Change
    {
        Deleted,
        CutShort,
        Replaced,
    }

    [Theory]
    [InlineData(Change.Deleted)]
    [InlineData(Change.CutShort)]
    [InlineData(Change.Replaced)]
    public async Task A_hot_file_changed_behind_the_pools_back_is_not_served_from_memory(Change change)
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);
        var content = Requests.RandomBytes(40_000, 45 + (int)change);
        await Requests.UploadAsync(server.Client, content, "hot.bin");
        var hash = Requests.Sha256(content);
        // Downloaded again and again, it is answered from a copy in memory.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(content, await server.Client.GetByteArrayAsync($"/api/download/{hash}"));
        }

        var path = CachedPath(server, hash);
        var other = Requests.RandomBytes(content.Length, 50);
        switch (change)
        {
            case Change.Deleted:
                File.Delete(path);
                break;
            case Change.CutShort:
                await File.WriteAllBytesAsync(path, content.AsSpan(0, 10_000).ToArray());
                break;
            case Change.Replaced:
                var temp = path + ".tmp";
                await File.WriteAllBytesAsync(temp, other);
                File.Move(temp, path, overwrite: true);
                break;
        }

        using var response = await server.Client.GetAsync($"/api/download/{hash}");
        if (change == Change.Replaced)
        {
            // The size is right, so the folder's bytes are what is served (as without the copy), never the remembered ones.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(other, await response.Content.ReadAsByteArrayAsync());
        }
        else
        {
            // No host holds it, so the only right answer is that it cannot be delivered.
            await Requests.ProblemAsync(response, 503);
            Assert.False(await server.Pool.OnCacheAsync(hash));
        }
    }

    [Fact]
    public async Task Every_download_of_a_hot_file_counts_as_a_hit_and_in_the_meter_ranges_included()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);
        var content = Requests.RandomBytes(64 * 1024, 51);
        await Requests.UploadAsync(server.Client, content, "metered.bin");
        var hash = Requests.Sha256(content);
        var nodeId = await server.Pool.GetNodeIdAsync();
        var accessesBefore = (await server.Pool.Catalog.FindCacheEntryAsync(nodeId, ContentHash.Parse(hash), CancellationToken.None))!.AccessCount;
        const int Downloads = 10;

        for (var i = 0; i < Downloads; i++)
        {
            Assert.Equal(content, await server.Client.GetByteArrayAsync($"/api/download/{hash}"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{hash}");
        request.Headers.Range = new RangeHeaderValue(1_000, 4_999);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(content.AsSpan(1_000, 4_000).ToArray(), await response.Content.ReadAsByteArrayAsync());

        await Requests.EventuallyAsync(
            async () => await server.Pool.CurrentOutgoingAsync() == ((long)Downloads * content.Length) + 4_000, "every byte sent reached the catalog", seconds: 10);
        await Requests.EventuallyAsync(
            async () => (await server.Pool.Catalog.FindCacheEntryAsync(nodeId, ContentHash.Parse(hash), CancellationToken.None))!.AccessCount == accessesBefore + Downloads + 1,
            "every download counted as a hit",
            seconds: 10);
    }

    /// <summary>Uploads a file, waits until hosts hold enough copies for it to be evicted, and downloads it once.</summary>
    private static async Task<(byte[] Content, string Hash)> UploadSafeAndDownloadAsync(GatewayServer server, int length, int seed, string name)
    {
        var content = Requests.RandomBytes(length, seed);
        await Requests.UploadAsync(server.Client, content, name);
        var hash = Requests.Sha256(content);
        await Requests.EventuallyAsync(
            async () => (await server.Pool.Catalog.FindFileAsync(ContentHash.Parse(hash), CancellationToken.None))!.StoredCopies >= 2, "the file is safe");
        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/api/download/{hash}"));
        return (content, hash);
    }

    private static string CachedPath(GatewayServer server, string hash) => Path.Combine(server.CachePath, "objects", hash[..2], hash);

    private static CloudPoolOptions SamePool(GatewayServer server)
    {
        var options = new CloudPoolOptions
        {
            Database = server.Folder.Combine("catalog.db"),
            StoragePath = server.CachePath,
            CapacityBytes = server.Pool.Options.CapacityBytes,
        };
        foreach (var name in new[] { "disk-a", "disk-b", "disk-c" })
        {
            options.Hosts.Add(new DirectoryHost(name, server.HostPath(name)));
        }

        return options;
    }
}
