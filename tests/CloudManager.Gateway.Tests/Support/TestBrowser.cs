using System.Reflection;
using Microsoft.Playwright;

namespace CloudManager.Gateway.Tests.Support;

/// <summary>
/// Debian's Chromium (installed by eng/services/chromium.sh, never downloaded) driven by Playwright,
/// headless. A missing browser fails the test under CI=true and skips it,
/// with the reason, elsewhere.
/// </summary>
public static class TestBrowser
{
    public const string Variable = "POOL_TEST_CHROMIUM";

    public static string RepositoryRoot { get; } = typeof(TestBrowser).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>Where screenshots go: kept after the run next to the test results.</summary>
    public static string ArtifactsFolder { get; } = Path.Combine(RepositoryRoot, ".test-results", "screenshots");

    /// <summary>Starts the browser; Playwright gives every launch a fresh, empty profile of its own.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var executable = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(executable) || !File.Exists(executable))
        {
            var message = $"{Variable} does not name a Chromium ({executable ?? "not set"}): run the tests with ./test, which installs Debian's chromium with eng/services/chromium.sh.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run",
                ],
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
