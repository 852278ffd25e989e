namespace CloudManager.Cli.Tests.Campaigns;

/// <summary>
/// The crash campaign: cm killed with SIGKILL in the middle of uploads, syncs, warm-ups, evictions
/// and imports; the pool must lose nothing. 30 kills here; <c>CM_CAMPAIGN_LONG=1</c> runs 300 with
/// 1 GiB files.
/// </summary>
public sealed class CrashCampaignTests
{
    [Fact]
    public async Task A_cm_process_killed_at_any_moment_leaves_a_pool_that_has_lost_nothing()
    {
        using var campaign = new CrashCampaign(CampaignSettings.Seed, CampaignSettings.Kills, CampaignSettings.BigFileBytes);

        var result = await campaign.RunAsync(TestContext.Current.CancellationToken);

        CampaignSettings.Report(result.Summary);
        Assert.True(result.Violations.Count == 0, result.Summary + "\n" + string.Join("\n", result.Violations.Take(50)));
        Assert.Equal(CampaignSettings.Kills, result.Kills);
    }
}
