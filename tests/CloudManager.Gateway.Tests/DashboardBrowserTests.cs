using CloudManager.Gateway.Tests.Support;
using CloudManager.Testing;
using Microsoft.Playwright;

namespace CloudManager.Gateway.Tests;

/// <summary>The dashboard in a real Chromium, used as a person would.</summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_person_uploads_through_the_form_sees_the_file_listed_finds_it_and_downloads_the_same_bytes()
    {
        await using var server = await GatewayServer.StartAsync();
        using var work = new TempFolder();
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };
        page.PageError += (_, error) => problems.Add(error);
        await Requests.UploadAsync(server.Client, Requests.RandomBytes(2_000_000, 80), "quarterly-report.pdf");
        await Requests.UploadAsync(server.Client, Requests.RandomBytes(350_000, 81), "team-photo.jpg");

        await page.GotoAsync(server.BaseAddress.ToString());
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");
        await Assertions.Expect(page.Locator("#hosts li")).ToHaveCountAsync(3);

        var content = Requests.RandomBytes(700_000, 82);
        var hash = Requests.Sha256(content);
        var source = work.Combine("holiday-plans.odt");
        await File.WriteAllBytesAsync(source, content);
        await page.SetInputFilesAsync("#file", source);
        await Assertions.Expect(page.Locator("#drop-text")).ToContainTextAsync("holiday-plans.odt");
        await page.ClickAsync("#upload-button");
        await Assertions.Expect(page.Locator("#uploaded-link")).ToHaveTextAsync(hash);
        await Assertions.Expect(page.Locator("#upload-text")).ToContainTextAsync("done");

        var row = page.Locator($"#files tr[data-hash='{hash}']");
        await Assertions.Expect(row).ToContainTextAsync("holiday-plans.odt");
        // Replicated in the background; the page shows it on its next poll, without a reload.
        await Assertions.Expect(row).ToContainTextAsync("safe", new LocatorAssertionsToContainTextOptions { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#cloud-count")).ToHaveTextAsync("0", new LocatorAssertionsToHaveTextOptions { Timeout = 15_000 });

        var download = await page.RunAndWaitForDownloadAsync(() => row.Locator("a").ClickAsync());
        Assert.Equal("holiday-plans.odt", download.SuggestedFilename);
        var saved = work.Combine("downloaded.odt");
        await download.SaveAsAsync(saved);
        Assert.Equal(content, await File.ReadAllBytesAsync(saved));

        await page.FillAsync("#lookup", hash.ToUpperInvariant());
        await page.ClickAsync("#lookup-form button");
        await Assertions.Expect(page.Locator("#lookup-result")).ToContainTextAsync("disk-a");
        var lookupDownload = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#lookup-download"));
        var again = work.Combine("again.odt");
        await lookupDownload.SaveAsAsync(again);
        Assert.Equal(content, await File.ReadAllBytesAsync(again));

        Directory.CreateDirectory(TestBrowser.ArtifactsFolder);
        var desktop = Path.Combine(TestBrowser.ArtifactsFolder, "dashboard-desktop.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = desktop, FullPage = true });
        await page.SetViewportSizeAsync(390, 844);
        var phone = Path.Combine(TestBrowser.ArtifactsFolder, "dashboard-phone.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = phone, FullPage = true });
        output.WriteLine($"screenshots: {desktop}, {phone}");

        // No script errors and no blocked resources (the page's CSP reports those as console errors).
        Assert.Empty(problems);
        var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow, "the page is wider than a phone screen");
    }

    [Fact]
    public async Task The_address_cm_serve_prints_opens_a_dashboard_that_uploads_with_the_made_token()
    {
        using var work = new TempFolder();
        var config = work.Combine("cloudmanager.json");
        await File.WriteAllTextAsync(config, """{ "catalog": "catalog.db", "cache": "cache", "capacity": "64MiB", "hosts": [], "gateway": { "shutdownTimeout": "1s" } }""");
        var environment = new Dictionary<string, string> { ["HOME"] = work.Path };
        Assert.Equal(0, (await ServeProcess.RunAsync(environment, "setup-db", work.Combine("catalog.db"))).ExitCode);
        await using var serve = await ServeProcess.StartAsync(config, environment);
        var printed = await serve.DashboardUrlAsync();
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);

        await page.GotoAsync(printed.ToString());
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");
        // Taken once: kept for this tab, gone from the address bar and from the history entry.
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
        var token = printed.Query["?token=".Length..];
        Assert.Equal(token, await page.EvaluateAsync<string>("sessionStorage.getItem('cloud-manager.token')"));
        Assert.Null(await page.EvaluateAsync<string?>("localStorage.getItem('cloud-manager.token')"));

        var content = Requests.RandomBytes(300_000, 83);
        var source = work.Combine("minutes.txt");
        await File.WriteAllBytesAsync(source, content);
        await page.SetInputFilesAsync("#file", source);
        await page.ClickAsync("#upload-button");
        await Assertions.Expect(page.Locator("#uploaded-link")).ToHaveTextAsync(Requests.Sha256(content));

        // A reload keeps the token for this tab without it in the address.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#token")).ToHaveValueAsync(token);
        Assert.Empty(problems);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task Without_the_token_in_the_address_an_upload_is_refused_with_a_clear_message()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: [], auth: TestAuth.Generated);
        using var work = new TempFolder();
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.BaseAddress.ToString());
        await Assertions.Expect(page.Locator("#token")).ToBeVisibleAsync();
        var source = work.Combine("anonymous.txt");
        await File.WriteAllTextAsync(source, "no token");
        await page.SetInputFilesAsync("#file", source);

        await page.ClickAsync("#upload-button");

        await Assertions.Expect(page.Locator("#upload-result")).ToContainTextAsync("needs the gateway's token");
        Assert.Equal(0, (await Requests.GetJsonAsync(server.Client, "/api/status")).GetProperty("files").GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task With_a_token_the_form_asks_for_it_and_reports_a_wrong_one()
    {
        await using var server = await GatewayServer.StartAsync(hostNames: [], auth: TestAuth.Configured);
        using var work = new TempFolder();
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.BaseAddress.ToString());
        await Assertions.Expect(page.Locator("#token")).ToBeVisibleAsync();
        var source = work.Combine("private.txt");
        await File.WriteAllTextAsync(source, "only with the token");
        await page.SetInputFilesAsync("#file", source);

        await page.FillAsync("#token", "wrong-token-0123456789");
        await page.ClickAsync("#upload-button");
        await Assertions.Expect(page.Locator("#upload-result")).ToContainTextAsync("not the gateway's token");

        await page.FillAsync("#token", GatewayServer.Token);
        await page.ClickAsync("#upload-button");
        await Assertions.Expect(page.Locator("#uploaded-link")).ToBeVisibleAsync();
    }
}
