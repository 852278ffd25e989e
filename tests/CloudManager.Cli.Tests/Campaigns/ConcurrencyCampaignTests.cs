namespace CloudManager.Cli.Tests.Campaigns;

/// <summary>
/// The concurrency campaign: 4 processes × 8 threads of mixed operations on one catalog and one
/// cache folder, on SQLite and on PostgreSQL; 15 seconds here, 2 minutes with <c>CM_CAMPAIGN_LONG=1</c>.
/// </summary>
public sealed class ConcurrencyCampaignTests : IDisposable
{
    private readonly CmSandbox _sandbox = new();

    [Fact]
    public async Task Four_processes_of_eight_threads_on_one_SQLite_catalog_and_cache_break_nothing() =>
        await RunAsync(Path.Combine(_sandbox.Root, "pool", "catalog.db"), "SQLite");

    [Fact]
    public async Task Four_processes_of_eight_threads_on_one_PostgreSQL_catalog_and_cache_break_nothing() =>
        await RunAsync(await new PostgresSchema().CreateAsync(TestContext.Current.CancellationToken), "PostgreSQL");

    private async Task RunAsync(string catalog, string backend)
    {
        var result = await new ConcurrencyCampaign(_sandbox, catalog, backend, CampaignSettings.Seed, CampaignSettings.ConcurrencyDuration)
            .RunAsync(TestContext.Current.CancellationToken);

        CampaignSettings.Report(result.Summary);
        Assert.True(result.Violations.Count == 0, result.Summary + "\n" + string.Join("\n", result.Violations.Take(50)));
        Assert.True(result.Operations > 0, result.Summary);
    }

    public void Dispose() => _sandbox.Dispose();
}
