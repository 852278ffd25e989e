using System.Net;
using System.Text.RegularExpressions;
using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed partial class SecurityTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private GatewayServer Server => fixture.Server;

    [Fact]
    public async Task Without_a_token_a_request_addressed_to_another_host_name_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.Host = "attacker.example";

        using var response = await Server.Client.SendAsync(request);

        await Requests.ProblemAsync(response, 403);
    }

    [Fact]
    public async Task Without_a_token_an_upload_from_another_origin_is_refused_and_from_the_dashboard_accepted()
    {
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = Requests.Form([1, 2, 3], "csrf.bin") };
        foreign.Headers.Add("Origin", "http://attacker.example");
        using var refused = await Server.Client.SendAsync(foreign);
        await Requests.ProblemAsync(refused, 403);

        using var own = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = Requests.Form([1, 2, 3, 4], "own.bin") };
        own.Headers.Add("Origin", Server.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var accepted = await Server.Client.SendAsync(own);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task Every_answer_carries_the_security_headers_errors_included()
    {
        foreach (var path in new[] { "/", "/api/status", "/api/download/zz" })
        {
            using var response = await Server.Client.GetAsync(path);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }
    }

    [Fact]
    public async Task Dashboard_and_its_assets_are_served_by_the_gateway_and_name_nothing_elsewhere()
    {
        var html = await Server.Client.GetStringAsync("/");
        Assert.Contains("<title>cloud-manager</title>", html, StringComparison.Ordinal);
        var assets = AssetReference().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["/assets/app.css", "/assets/app.js", "/assets/icon.svg"], assets.Distinct().Order());

        foreach (var (path, type) in new[] { ("/assets/app.css", "text/css"), ("/assets/app.js", "text/javascript"), ("/assets/icon.svg", "image/svg+xml") })
        {
            using var response = await Server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            var text = await response.Content.ReadAsStringAsync();
            // The only absolute URL allowed is the SVG namespace, which is a name, not a request.
            Assert.DoesNotMatch(ExternalUrl(), text.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
        }

        Assert.DoesNotMatch(ExternalUrl(), html);
    }

    [GeneratedRegex("""(?:src|href)="(/assets/[^"]+)""")]
    private static partial Regex AssetReference();

    [GeneratedRegex("(?:https?:)?//[a-z0-9.-]+\\.[a-z]{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();
}
