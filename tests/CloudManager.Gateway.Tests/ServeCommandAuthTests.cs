using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CloudManager.Gateway.Tests.Support;
using CloudManager.Testing;

namespace CloudManager.Gateway.Tests;

/// <summary>
/// <c>cm serve</c> as a real process against every way around its rule that another machine needs a token:
/// ASP.NET Core's own endpoint settings in the environment, changing routes on loopback, <c>--no-auth</c>.
/// </summary>
public sealed class ServeCommandAuthTests
{
    private const string Hash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>An ASP.NET Core setting that would make the server listen on every interface, by variable name and value for a port.</summary>
    public static TheoryData<string, string> EnvironmentBypasses() => new()
    {
        { "ASPNETCORE_URLS", "http://0.0.0.0:{0}" },
        { "ASPNETCORE_HTTP_PORTS", "{0}" },
        { "Kestrel__Endpoints__Web__Url", "http://0.0.0.0:{0}" },
        { "DOTNET_URLS", "http://+:{0}" },
    };

    [Theory]
    [MemberData(nameof(EnvironmentBypasses))]
    public async Task An_environment_setting_that_exposes_the_gateway_without_a_token_is_refused_and_nothing_listens(string variable, string value)
    {
        using var pool = await PoolFolder.CreateAsync();
        var port = Listening.FreePort();
        var environment = pool.Environment((variable, string.Format(System.Globalization.CultureInfo.InvariantCulture, value, port)));

        var (exitCode, stdout, stderr) = await ServeProcess.RunAsync(environment, "--config", pool.Config, "serve", "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Contains(variable, stderr, StringComparison.Ordinal);
        Assert.Contains("other machines can reach", stderr, StringComparison.Ordinal);
        Assert.Contains("CM_GATEWAY_TOKEN", stderr, StringComparison.Ordinal);
        Assert.False(await Listening.AcceptsAsync(port), $"something listens on port {port}");
    }

    [Theory]
    [MemberData(nameof(EnvironmentBypasses))]
    public async Task With_a_token_an_environment_setting_is_ignored_and_the_gateway_serves_requiring_the_token(string variable, string value)
    {
        using var pool = await PoolFolder.CreateAsync();
        var port = Listening.FreePort();
        var environment = pool.Environment((variable, string.Format(System.Globalization.CultureInfo.InvariantCulture, value, port)), ("CM_GATEWAY_TOKEN", GatewayServer.Token));

        await using var serve = await ServeProcess.StartAsync(pool.Config, environment);
        using var client = new HttpClient { BaseAddress = serve.BaseAddress };

        Assert.Equal("127.0.0.1", serve.BaseAddress.Host);
        // stderr is read as it comes; the warning comes before the address, the serving line after it.
        await Requests.EventuallyAsync(() => Task.FromResult(serve.Stderr.Contains("cm: serving", StringComparison.Ordinal)), "cm serve reports it is serving");
        Assert.Contains($"Ignoring the environment variable {variable}", serve.Stderr, StringComparison.Ordinal);
        Assert.False(await Listening.AcceptsAsync(port), $"the gateway listens on port {port} from {variable}");
        await Requests.ProblemAsync(await client.PostAsync("/api/upload", Requests.Form([1, 2], "x.bin")), 401);
        using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = Requests.Form([1, 2], "x.bin") };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.Token);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(upload)).StatusCode);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task On_loopback_without_a_token_serve_prints_a_made_token_that_changing_routes_need_and_reading_does_not()
    {
        using var pool = await PoolFolder.CreateAsync();
        await using var serve = await ServeProcess.StartAsync(pool.Config, pool.Environment());
        using var client = new HttpClient { BaseAddress = serve.BaseAddress };

        var dashboard = await serve.DashboardUrlAsync();
        Assert.Equal(serve.BaseAddress.GetLeftPart(UriPartial.Authority), dashboard.GetLeftPart(UriPartial.Authority));
        var token = dashboard.Query["?token=".Length..];
        Assert.True(token.Length >= 22, token);

        foreach (var (method, path) in new[]
        {
            ("POST", "/api/upload?filename=x.bin"), ("GET", "/api/sync/dump"), ("POST", "/api/sync/load?sync_id=peer"),
            ("POST", "/api/admin/sync"), ("POST", $"/api/admin/evict/{Hash}"),
        })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("[]", Encoding.UTF8, "application/json") };
            await Requests.ProblemAsync(await client.SendAsync(request), 401);
        }

        var content = Requests.RandomBytes(5_000, 90);
        using (var refused = await client.PostAsync("/api/upload", Requests.Form(content, "a.bin")))
        {
            await Requests.ProblemAsync(refused, 401);
        }

        using var authorized = new HttpClient { BaseAddress = serve.BaseAddress };
        authorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Requests.UploadAsync(authorized, content, "a.bin");
        Assert.Equal(HttpStatusCode.OK, (await authorized.PostAsync("/api/admin/sync", null)).StatusCode);

        var hash = Requests.Sha256(content);
        Assert.Equal(content, await client.GetByteArrayAsync($"/api/download/{hash}"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/find/{hash}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(dashboard)).StatusCode);
        Assert.True((await Requests.GetJsonAsync(client, "/api/status")).GetProperty("auth").GetProperty("token_required").GetBoolean());

        Assert.Equal(0, await serve.StopAsync());
        // Shown once, in the dashboard line, and nowhere else.
        Assert.Equal(1, CountOf(serve.Stderr, token));
    }

    [Fact]
    public async Task Verbose_request_logs_do_not_repeat_the_made_token()
    {
        using var pool = await PoolFolder.CreateAsync();
        await using var serve = await ServeProcess.StartAsync(pool.Config, pool.Environment(), "--verbose");
        var dashboard = await serve.DashboardUrlAsync();
        var token = dashboard.Query["?token=".Length..];
        using var client = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(dashboard)).StatusCode);
        await Requests.EventuallyAsync(() => Task.FromResult(serve.Stderr.Contains("token=REDACTED", StringComparison.Ordinal)), "the request is logged");

        Assert.Equal(0, await serve.StopAsync());
        Assert.Equal(1, CountOf(serve.Stderr, token));
    }

    [Fact]
    public async Task No_auth_on_loopback_lets_changes_through_without_a_token()
    {
        using var pool = await PoolFolder.CreateAsync();
        await using var serve = await ServeProcess.StartAsync(pool.Config, pool.Environment(), "--no-auth");
        using var client = new HttpClient { BaseAddress = serve.BaseAddress };

        await Requests.UploadAsync(client, [7, 8, 9], "open.bin");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/admin/sync", null)).StatusCode);
        Assert.False((await Requests.GetJsonAsync(client, "/api/status")).GetProperty("auth").GetProperty("token_required").GetBoolean());

        Assert.Equal(0, await serve.StopAsync());
        Assert.Contains("--no-auth", serve.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("token=", serve.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://127.0.0.1:0;http://[::]:0")]
    public async Task No_auth_with_a_non_loopback_address_is_refused_even_with_a_token(string urls)
    {
        using var pool = await PoolFolder.CreateAsync();

        var (exitCode, stdout, stderr) = await ServeProcess.RunAsync(pool.Environment(), "--config", pool.Config, "serve", "--urls", urls, "--no-auth");
        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("--no-auth", stderr, StringComparison.Ordinal);

        var both = await ServeProcess.RunAsync(pool.Environment(("CM_GATEWAY_TOKEN", GatewayServer.Token)), "--config", pool.Config, "serve", "--urls", urls, "--no-auth");
        Assert.Equal(2, both.ExitCode);
        Assert.Empty(both.Stdout);
        Assert.Contains("--no-auth", both.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_describes_the_made_token_and_no_auth()
    {
        var (exitCode, stdout, _) = await ServeProcess.RunAsync(new Dictionary<string, string>(), "serve", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--no-auth", stdout, StringComparison.Ordinal);
        Assert.Contains("?token=", stdout, StringComparison.Ordinal);
        Assert.Contains("ASPNETCORE_URLS", stdout, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>A config file, a SQLite catalog ready for it and a cache folder, without hosts.</summary>
    private sealed class PoolFolder : IDisposable
    {
        private readonly TempFolder _folder = new();

        public string Config => _folder.Combine("cloudmanager.json");

        public static async Task<PoolFolder> CreateAsync()
        {
            var pool = new PoolFolder();
            await File.WriteAllTextAsync(pool.Config, """
                { "catalog": "catalog.db", "cache": "cache", "capacity": "64MiB", "hosts": [], "gateway": { "shutdownTimeout": "1s" } }
                """);
            var setup = await ServeProcess.RunAsync(pool.Environment(), "setup-db", pool._folder.Combine("catalog.db"));
            Assert.Equal(0, setup.ExitCode);
            return pool;
        }

        public Dictionary<string, string> Environment(params (string Name, string Value)[] extra)
        {
            var environment = new Dictionary<string, string> { ["HOME"] = _folder.Path };
            foreach (var (name, value) in extra)
            {
                environment[name] = value;
            }

            return environment;
        }

        public void Dispose() => _folder.Dispose();
    }
}
