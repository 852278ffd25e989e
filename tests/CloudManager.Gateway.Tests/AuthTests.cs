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
        await using var server = await GatewayServer.StartAsync(hostNames: [], auth: TestAuth.Configured);

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
        await using var server = await GatewayServer.StartAsync(auth: TestAuth.Configured);
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

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Without_a_configured_token_on_loopback_changing_routes_need_the_token_the_gateway_made(string method, string path)
    {
        await using var server = await GatewayServer.StartAsync(hostNames: [], auth: TestAuth.Generated);

        using var missing = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("[]", System.Text.Encoding.UTF8, "application/json") });
        var problem = await Requests.ProblemAsync(missing, 401);
        Assert.Contains("printed this run's token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var withToken = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("[]", System.Text.Encoding.UTF8, "application/json") };
        withToken.Headers.Authorization = new("Bearer", server.AccessToken);
        using var answer = await server.Client.SendAsync(withToken);
        Assert.NotEqual(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, answer.StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_token_uploads_work_with_the_made_token_and_reading_stays_open()
    {
        await using var server = await GatewayServer.StartAsync(auth: TestAuth.Generated);
        var token = server.AccessToken;
        Assert.NotNull(token);
        using var authorized = server.AuthorizedClient();
        var content = Requests.RandomBytes(3_000, 51);

        using (var refused = await server.Client.PostAsync("/api/upload", Requests.Form(content, "no-token.bin")))
        {
            await Requests.ProblemAsync(refused, 401);
        }

        Assert.Equal(0, (await Requests.GetJsonAsync(server.Client, "/api/status")).GetProperty("files").GetProperty("count").GetInt64());
        await Requests.UploadAsync(authorized, content, "with-token.bin");
        using (var sync = await authorized.PostAsync("/api/admin/sync", null))
        {
            Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        }

        var hash = Requests.Sha256(content);
        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/api/download/{hash}"));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"/api/find/{hash}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/openapi/v1.json")).StatusCode);
        var status = await Requests.GetJsonAsync(server.Client, "/api/status");
        Assert.True(status.GetProperty("auth").GetProperty("token_required").GetBoolean());
    }

    [Fact]
    public async Task Each_gateway_makes_its_own_token()
    {
        await using var first = await GatewayServer.StartAsync(hostNames: [], auth: TestAuth.Generated);
        await using var second = await GatewayServer.StartAsync(hostNames: [], auth: TestAuth.Generated);

        Assert.NotEqual(first.AccessToken, second.AccessToken);
        using var crossed = new HttpRequestMessage(HttpMethod.Post, "/api/admin/sync");
        crossed.Headers.Authorization = new("Bearer", second.AccessToken);
        await Requests.ProblemAsync(await first.Client.SendAsync(crossed), 401);
    }

    [Fact]
    public void A_made_token_is_long_random_and_url_safe()
    {
        var tokens = Enumerable.Range(0, 200).Select(_ => GatewayOptions.NewToken()).ToList();

        Assert.Equal(tokens.Count, tokens.Distinct(StringComparer.Ordinal).Count());
        foreach (var token in tokens)
        {
            // 43 base64url characters carry 256 bits; nothing in them needs escaping in a URL.
            Assert.Equal(43, token.Length);
            Assert.Matches("^[A-Za-z0-9_-]+$", token);
            Assert.Equal(token, Uri.EscapeDataString(token));
            new GatewayOptions { Token = token }.Validate();
        }
    }

    [Fact]
    public async Task With_no_auth_on_loopback_every_route_is_open()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: [], auth: TestAuth.NoAuth);

        Assert.Null(server.AccessToken);
        await Requests.UploadAsync(server.Client, [1, 2, 3], "open.bin");
        using var sync = await server.Client.PostAsync("/api/admin/sync", null);
        Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        var status = await Requests.GetJsonAsync(server.Client, "/api/status");
        Assert.False(status.GetProperty("auth").GetProperty("token_required").GetBoolean());
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://example.org:8080")]
    public void No_auth_is_refused_on_a_non_loopback_address_even_with_a_token(string url)
    {
        var error = Assert.Throws<ArgumentException>(new GatewayOptions { Urls = { url }, NoAuth = true }.Validate);
        Assert.Contains("without authentication", error.Message, StringComparison.Ordinal);
        Assert.Contains(url, error.Message, StringComparison.Ordinal);

        var both = Assert.Throws<ArgumentException>(new GatewayOptions { Urls = { url }, NoAuth = true, Token = GatewayServer.Token }.Validate);
        Assert.Contains("choose one", both.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://[::]:0")]
    [InlineData("http://*:0")]
    public async Task A_server_that_ends_up_on_a_non_loopback_address_without_a_configured_token_is_stopped_at_once(string url)
    {
        foreach (var auth in new[] { TestAuth.Generated, TestAuth.NoAuth })
        {
            // As anything outside the gateway's options would: an address added to the server's own list before it starts.
            var error = await Assert.ThrowsAsync<ArgumentException>(() => GatewayServer.StartAsync(hostNames: [], auth: auth, beforeStart: app => app.Urls.Add(url)));

            Assert.Contains("Stopped", error.Message, StringComparison.Ordinal);
            Assert.Contains("CM_GATEWAY_TOKEN", error.Message, StringComparison.Ordinal);
            // The message names the address actually bound, with its port.
            var port = int.Parse(Listening.BoundPort().Match(error.Message).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.NotEqual(0, port);
            Assert.False(await Listening.AcceptsAsync(port), $"something still listens on port {port}");
        }
    }

    [Fact]
    public async Task With_a_configured_token_a_non_loopback_address_is_served_and_the_token_required()
    {
        await using var server = await GatewayServer.StartAsync(
            hostNames: [],
            auth: TestAuth.Configured,
            configure: o =>
            {
                o.Urls.Clear();
                o.Urls.Add("http://0.0.0.0:0");
            });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.BaseAddress.Port}") };

        await Requests.ProblemAsync(await client.PostAsync("/api/admin/sync", null), 401);
        using var authorized = new HttpRequestMessage(HttpMethod.Post, "/api/admin/sync");
        authorized.Headers.Authorization = new("Bearer", GatewayServer.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(authorized)).StatusCode);
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
        var error = await Assert.ThrowsAsync<ArgumentException>(() => GatewayServer.StartAsync(
            o =>
            {
                o.Urls.Clear();
                o.Urls.Add("http://0.0.0.0:0");
            },
            hostNames: [],
            auth: TestAuth.Generated));

        Assert.Contains("CM_GATEWAY_TOKEN", error.Message, StringComparison.Ordinal);
    }
}
