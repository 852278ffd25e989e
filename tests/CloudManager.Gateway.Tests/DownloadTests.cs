using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed class DownloadTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Unknown = "0000000000000000000000000000000000000000000000000000000000000000";

    private GatewayServer Server => fixture.Server;

    private async Task<(byte[] Content, string Hash)> UploadAsync(int length, int seed, string name)
    {
        var content = Requests.RandomBytes(length, seed);
        await Requests.UploadAsync(Server.Client, content, name);
        return (content, Requests.Sha256(content));
    }

    [Fact]
    public async Task Download_sends_name_etag_caching_and_length()
    {
        var (content, hash) = await UploadAsync(10_000, 10, "résumé 2026.pdf");

        using var response = await Server.Client.GetAsync($"/api/download/{hash}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{hash}\"", response.Headers.ETag?.Tag);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("résumé 2026.pdf", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.NotNull(response.Content.Headers.LastModified);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Head_sends_the_same_headers_without_a_body()
    {
        var (content, hash) = await UploadAsync(5_000, 11, "head.bin");

        using var response = await Server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/download/{hash}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        Assert.Equal($"\"{hash}\"", response.Headers.ETag?.Tag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("bytes=100-199", 100, 100)]
    [InlineData("bytes=-50", 4950, 50)]
    [InlineData("bytes=4990-", 4990, 10)]
    public async Task Range_request_answers_206_with_exactly_those_bytes(string range, int from, int length)
    {
        var (content, hash) = await UploadAsync(5_000, 12, "ranges.bin");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{hash}");
        request.Headers.TryAddWithoutValidation("Range", range);

        using var response = await Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(content.AsSpan(from, length).ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(new ContentRangeHeaderValue(from, from + length - 1, content.Length), response.Content.Headers.ContentRange);
    }

    [Fact]
    public async Task Range_beyond_the_end_answers_416()
    {
        var (_, hash) = await UploadAsync(1_000, 13, "short.bin");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{hash}");
        request.Headers.Range = new RangeHeaderValue(5_000, null);

        using var response = await Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal(1_000, response.Content.Headers.ContentRange?.Length);
    }

    [Fact]
    public async Task If_None_Match_with_the_hash_answers_304()
    {
        var (_, hash) = await UploadAsync(2_000, 14, "etag.bin");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{hash}");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{hash}\""));

        using var response = await Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Unknown_hash_answers_the_seeds_404_body_for_get_head_and_find()
    {
        foreach (var path in new[] { $"/api/download/{Unknown}", $"/api/find/{Unknown}" })
        {
            using var response = await Server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("""{"error":"File not found"}""", await response.Content.ReadAsStringAsync());
        }

        using var head = await Server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/download/{Unknown}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Theory]
    [InlineData("zz")]
    [InlineData("000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("00000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("g000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("..%2F..%2Fcatalog.db")]
    public async Task Malformed_hash_is_a_400_problem_on_every_hash_route(string hash)
    {
        foreach (var path in new[] { $"/api/download/{hash}", $"/api/find/{hash}" })
        {
            using var response = await Server.Client.GetAsync(path);
            var problem = await Requests.ProblemAsync(response, 400);
            Assert.Contains("64 hexadecimal digits", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Find_answers_the_version_0_2_payload_with_the_hosts()
    {
        var (content, hash) = await UploadAsync(3_000, 15, "find-me.txt");
        await Requests.EventuallyAsync(async () => (await Server.Pool.InfoAsync(hash))!.Uploads.Count == 3, "three copies");

        var payload = await Requests.GetJsonAsync(Server.Client, $"/api/find/{hash}");

        Assert.Equal("0.2", payload.GetProperty("version").GetString());
        Assert.Equal(hash, payload.GetProperty("filehash").GetString());
        Assert.Equal("find-me.txt", payload.GetProperty("filename").GetString());
        Assert.Equal(content.Length, payload.GetProperty("filesize").GetInt64());
        Assert.Equal(["disk-a", "disk-b", "disk-c"], payload.GetProperty("uploads").EnumerateArray().Select(u => u.GetProperty("host_name").GetString()).Order());
    }

    [Fact]
    public async Task Download_of_an_evicted_file_fetches_it_back_from_a_host()
    {
        var (content, hash) = await UploadAsync(40_000, 16, "evict-me.bin");
        await Requests.EventuallyAsync(async () => (await Server.Pool.Catalog.FindFileAsync(ContentHash.Parse(hash), CancellationToken.None))!.StoredCopies >= 2, "the file is safe");
        using (var evict = await Server.Client.PostAsync($"/api/admin/evict/{hash}", null))
        {
            Assert.Equal(HttpStatusCode.OK, evict.StatusCode);
        }

        Assert.False(await Server.Pool.OnCacheAsync(hash));

        Assert.Equal(content, await Server.Client.GetByteArrayAsync($"/api/download/{hash}"));
        Assert.True(await Server.Pool.OnCacheAsync(hash));
    }

    [Fact]
    public async Task Evicting_a_file_that_is_not_cached_is_404_and_an_unsafe_one_409()
    {
        using (var response = await Server.Client.PostAsync($"/api/admin/evict/{Unknown}", null))
        {
            await Requests.ProblemAsync(response, 404);
        }

        await using var noHosts = await GatewayServer.StartAsync(hostNames: []);
        var content = Requests.RandomBytes(100, 17);
        await Requests.UploadAsync(noHosts.Client, content, "pending.bin");
        using var refused = await noHosts.Client.PostAsync($"/api/admin/evict/{Requests.Sha256(content)}", null);
        var problem = await Requests.ProblemAsync(refused, 409);
        Assert.Contains("sync", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Download_of_a_file_no_host_can_deliver_is_a_503_problem_with_retry_after()
    {
        var (_, hash) = await UploadAsync(4_000, 18, "lost.bin");
        await Requests.EventuallyAsync(async () => (await Server.Pool.Catalog.FindFileAsync(ContentHash.Parse(hash), CancellationToken.None))!.StoredCopies == 3, "three copies");
        await Server.Pool.EvictAsync(hash);
        foreach (var host in new[] { "disk-a", "disk-b", "disk-c" })
        {
            File.Delete(Path.Combine(Server.HostPath(host), hash[..2], hash));
        }

        using var response = await Server.Client.GetAsync($"/api/download/{hash}");

        var problem = await Requests.ProblemAsync(response, 503);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains(hash, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_sent_by_downloads_reach_the_transfer_meter()
    {
        var (content, hash) = await UploadAsync(25_000, 19, "metered.bin");
        await Requests.WaitForReplicationAsync(Server.Client);
        var before = await OutgoingAsync();

        await Server.Client.GetByteArrayAsync($"/api/download/{hash}");
        using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{hash}");
        range.Headers.Range = new RangeHeaderValue(0, 999);
        (await Server.Client.SendAsync(range)).Dispose();

        Assert.Equal(before + content.Length + 1_000, await OutgoingAsync());
        await Requests.EventuallyAsync(async () => await Server.Pool.CurrentOutgoingAsync() == before + content.Length + 1_000, "the meter flushed to the catalog", seconds: 10);
    }

    [Fact]
    public async Task A_plain_get_of_a_file_of_several_blocks_sends_every_byte_and_meters_them()
    {
        var (content, hash) = await UploadAsync(3 * (256 * 1024) + 12_345, 20, "blocks.bin");
        await Requests.WaitForReplicationAsync(Server.Client);
        var before = await OutgoingAsync();

        using var response = await Server.Client.GetAsync($"/api/download/{hash}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("blocks.bin", response.Content.Headers.ContentDisposition?.FileNameStar);
        await Requests.EventuallyAsync(async () => await OutgoingAsync() == before + content.Length, "the bytes sent counted");
    }

    private async Task<long> OutgoingAsync()
    {
        var status = await Requests.GetJsonAsync(Server.Client, "/api/status");
        return status.GetProperty("bandwidth").GetProperty("current").GetProperty("outgoing").GetInt64();
    }
}
