using System.Net;
using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed class AuthTests
{
    private const string Hash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static TheoryData<string, string> ProtectedRoutes() => new()
    {
        { "POST", "/api/upload?filename=x.bin" },
        { "GET", "/api/sync/dump" },
        { "POST", "/api/sync/load?sync_id=peer" },
        { "POST", "/api/admin/sync" },
        { "POST", $"/api/admin/evict/{Hash}" },
    };

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Protected_routes_refuse_a_missing_or_wrong_token_with_401(string method, string path)
    {
        await using var server = await GatewayServer.StartAsync(o => o.Token = GatewayServer.Token, hostNames: []);

        using var missing = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("[]", System.Text.Encoding.UTF8, "application/json") });
        await Requests.ProblemAsync(missing, 401);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);

        using var wrong = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("[]", System.Text.Encoding.UTF8, "application/json") };
        wrong.Headers.Authorization = new("Bearer", "not-the-token-at-all-1234");
        using var refused = await server.Client.SendAsync(wrong);
        await Requests.ProblemAsync(refused, 401);
        Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_token_uploads_sync_and_admin_work_while_reading_stays_open()
    {
        await using var server = await GatewayServer.StartAsync(o => o.Token = GatewayServer.Token);
        using var authorized = server.AuthorizedClient();
        var content = Requests.RandomBytes(2_000, 50);

        await Requests.UploadAsync(authorized, content, "secret-ok.bin");
        using (var sync = await authorized.PostAsync("/api/admin/sync", null))
        {
            Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        }

        using (var dump = await authorized.GetAsync("/api/sync/dump"))
        {
            Assert.Equal(HttpStatusCode.OK, dump.StatusCode);
        }

        var hash = Requests.Sha256(content);
        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/api/download/{hash}"));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"/api/find/{hash}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/files")).StatusCode);
        var status = await Requests.GetJsonAsync(server.Client, "/api/status");
        Assert.True(status.GetProperty("auth").GetProperty("token_required").GetBoolean());
    }

    [Fact]
    public async Task Without_a_token_on_loopback_every_route_is_open()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: []);

        await Requests.UploadAsync(server.Client, [1, 2, 3], "open.bin");
        using var sync = await server.Client.PostAsync("/api/admin/sync", null);

        Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://192.168.1.10:8080")]
    [InlineData("http://example.org:8080")]
    public void A_non_loopback_address_without_a_token_is_refused(string url)
    {
        var options = new GatewayOptions { Urls = { url } };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("without a token", error.Message, StringComparison.Ordinal);
        options.Token = GatewayServer.Token;
        options.Validate();
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.2:0")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("http://unix:/run/cm.sock")]
    public void A_loopback_address_needs_no_token(string url) => new GatewayOptions { Urls = { url } }.Validate();

    [Theory]
    [InlineData("https://127.0.0.1:8443", "plain HTTP")]
    [InlineData("not a url", "address")]
    public void Addresses_the_gateway_cannot_serve_are_refused(string url, string expected)
    {
        var error = Assert.Throws<ArgumentException>(new GatewayOptions { Urls = { url } }.Validate);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_token_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(new GatewayOptions { Token = "short" }.Validate);

        Assert.Contains("at least 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_refuses_to_start_on_a_non_loopback_address_without_a_token()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => GatewayServer.StartAsync(o =>
        {
            o.Urls.Clear();
            o.Urls.Add("http://0.0.0.0:0");
        }, hostNames: []));

        Assert.Contains("CM_GATEWAY_TOKEN", error.Message, StringComparison.Ordinal);
    }
}
