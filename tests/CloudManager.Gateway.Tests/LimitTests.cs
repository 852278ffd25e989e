using System.Net;
using System.Net.Http.Headers;
using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed class LimitTests
{
    [Fact]
    public async Task An_upload_over_the_maximum_is_a_413_problem_whether_its_length_is_declared_or_not()
    {
        await using var server = await GatewayServer.StartAsync(o => o.MaxUploadBytes = 10_000, hostNames: []);
        var content = Requests.RandomBytes(20_000, 60);

        using (var declared = await server.Client.PostAsync("/api/upload?filename=big.bin", new ByteArrayContent(content)))
        {
            var problem = await Requests.ProblemAsync(declared, 413);
            Assert.Contains("at most 9.8 KiB", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var chunked = await server.Client.PostAsync("/api/upload?filename=big.bin", new StreamContent(new UnknownLengthStream(content))))
        {
            await Requests.ProblemAsync(chunked, 413);
        }

        using (var form = await server.Client.PostAsync("/api/upload", Requests.Form(content, "big.bin")))
        {
            await Requests.ProblemAsync(form, 413);
        }

        Assert.Equal(0, (await server.Pool.Catalog.CountFilesAsync(CancellationToken.None)).Count);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.CachePath, "tmp"), "*.partial", SearchOption.AllDirectories));
        var status = await Requests.GetJsonAsync(server.Client, "/api/status");
        Assert.Equal(10_000, status.GetProperty("storage").GetProperty("max_file_size").GetInt64());
        await Requests.UploadAsync(server.Client, content[..10_000], "just-fits.bin");
    }

    [Fact]
    public async Task An_upload_that_would_pass_the_monthly_incoming_limit_is_a_429_with_retry_after()
    {
        await using var server = await GatewayServer.StartAsync(o => o.MonthlyIncomingLimitBytes = 10_000, hostNames: []);
        await Requests.UploadAsync(server.Client, Requests.RandomBytes(6_000, 61), "first.bin");

        using var response = await server.Client.PostAsync("/api/upload?filename=second.bin", new ByteArrayContent(Requests.RandomBytes(6_000, 62)));

        var problem = await Requests.ProblemAsync(response, 429);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("monthly limit", detail, StringComparison.Ordinal);
        Assert.Contains("monthlyIncomingLimit", detail, StringComparison.Ordinal);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromDays(31));
        Assert.Equal(1, (await server.Pool.Catalog.CountFilesAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_download_that_would_pass_the_monthly_outgoing_limit_is_a_429_but_head_still_answers()
    {
        await using var server = await GatewayServer.StartAsync(o => o.MonthlyOutgoingLimitBytes = 15_000, hostNames: []);
        var content = Requests.RandomBytes(10_000, 63);
        var hash = Requests.Sha256(content);
        await Requests.UploadAsync(server.Client, content, "popular.bin");

        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/api/download/{hash}"));
        using var second = await server.Client.GetAsync($"/api/download/{hash}");

        var problem = await Requests.ProblemAsync(second, 429);
        Assert.Contains("monthlyOutgoingLimit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/download/{hash}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task Request_headers_over_the_limit_are_refused_with_431()
    {
        await using var server = await GatewayServer.StartAsync(o => o.MaxRequestHeadersBytes = 4096, hostNames: []);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.Add("X-Padding", new string('a', 8000));

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_file_larger_than_the_cache_is_a_413_problem()
    {
        await using var server = await GatewayServer.StartAsync(configurePool: p => p.CapacityBytes = 20_000, hostNames: []);

        using var response = await server.Client.PostAsync("/api/upload?filename=huge.bin", new StreamContent(new UnknownLengthStream(Requests.RandomBytes(30_000, 64))));

        await Requests.ProblemAsync(response, 413);
    }

    /// <summary>Content without a length, so that the client sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
