using System.Globalization;

namespace CloudManager.Cli.Tests.Campaigns;

/// <summary>
/// How hard the reliability campaigns push: the short version runs with the tests, the long one by
/// hand with <c>CM_CAMPAIGN_LONG=1</c>; <c>CM_CAMPAIGN_SEED</c> replays a run, and
/// <c>CM_CAMPAIGN_REPORT</c> names a file that receives each campaign's summary line.
/// </summary>
internal static class CampaignSettings
{
    public static bool IsLong => Environment.GetEnvironmentVariable("CM_CAMPAIGN_LONG") == "1";

    /// <summary>The seed to replay, or a fresh one (printed with the results so that a failure can be replayed).</summary>
    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("CM_CAMPAIGN_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
        ? seed
        : Random.Shared.Next(1, 1_000_000);

    /// <summary>Kills the crash campaign makes: 300 long, 30 short.</summary>
    public static int Kills => IntFromEnvironment("CM_CAMPAIGN_KILLS") ?? (IsLong ? 300 : 30);

    /// <summary>The large files' size: 1 GiB long, 64 MiB short.</summary>
    public static long BigFileBytes => IsLong ? 1L << 30 : 64L << 20;

    /// <summary>How long the concurrency campaign runs: 2 minutes long, 15 seconds short.</summary>
    public static TimeSpan ConcurrencyDuration => TimeSpan.FromSeconds(IntFromEnvironment("CM_CAMPAIGN_SECONDS") ?? (IsLong ? 120 : 15));

    /// <summary>Appends a campaign's summary to the report file, when one is named.</summary>
    public static void Report(string summary)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("CM_CAMPAIGN_REPORT") is { Length: > 0 } path)
        {
            File.AppendAllText(path, summary + Environment.NewLine);
        }
    }

    private static int? IntFromEnvironment(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
