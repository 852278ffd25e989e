using CloudManager.Hosts;
using CloudManager.Hosts.Resilience;
using CloudManager.Testing;
using CloudManager.Tests.Hosts.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace CloudManager.Tests.Hosts.Identity;

/// <summary>The resilience decorator's rules for identity markers: reads retried, creations never proposed twice.</summary>
public sealed class MarkerResilienceTests : IDisposable
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Marker_reads_are_retried_through_transient_failures()
    {
        var (faulty, host, _) = Wrap(o => o.MaxRetryAttempts = 3);
        await using var _ = host;
        faulty.FailNext(2);
        Assert.Null(await host.ReadMarkerAsync(Token));
        Assert.Equal(3, faulty.MarkerReads);
    }

    [Fact]
    public async Task An_unreachable_marker_stays_unavailable_after_the_last_retry_never_null()
    {
        var (faulty, host, _) = Wrap(o => o.MaxRetryAttempts = 2);
        await using var _ = host;
        faulty.FailMarkerReads = true;
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.ReadMarkerAsync(Token));
        Assert.Equal(3, faulty.MarkerReads);
    }

    [Fact]
    public async Task A_damaged_marker_is_not_retried()
    {
        var (faulty, host, folder) = Wrap(o => o.MaxRetryAttempts = 3);
        await using var _ = host;
        await File.WriteAllTextAsync(Path.Combine(folder, HostMarker.ObjectName), "{}", Token);
        await Assert.ThrowsAsync<HostMarkerException>(() => host.ReadMarkerAsync(Token));
        Assert.Equal(1, faulty.MarkerReads);
    }

    [Fact]
    public async Task A_creation_whose_answer_was_lost_is_read_back_not_proposed_again()
    {
        var (faulty, host, _) = Wrap(o => o.MaxRetryAttempts = 3);
        await using var _ = host;
        faulty.LoseMarkerCreationAnswers = 1;
        var proposed = HostMarker.CreateNew(Clock);
        var created = await host.CreateMarkerAsync(proposed, Token);
        Assert.Equal(proposed.Id, created.Id);
        Assert.Equal(1, faulty.MarkerCreations);
        Assert.Equal(1, faulty.MarkerReads);
    }

    [Fact]
    public async Task A_creation_that_failed_before_writing_is_tried_again()
    {
        var (faulty, host, _) = Wrap(o => o.MaxRetryAttempts = 3);
        await using var _ = host;
        faulty.FailNext(1);
        var proposed = HostMarker.CreateNew(Clock);
        Assert.Equal(proposed.Id, (await host.CreateMarkerAsync(proposed, Token)).Id);
        Assert.Equal(2, faulty.MarkerCreations);
        Assert.Equal(1, faulty.MarkerReads);
    }

    [Fact]
    public async Task A_hung_marker_read_is_abandoned_at_the_time_limit()
    {
        var (faulty, host, _) = Wrap(o =>
        {
            o.MaxRetryAttempts = 0;
            o.OperationTimeout = TimeSpan.FromMilliseconds(200);
        });
        await using var _ = host;
        faulty.HangMarkerReads = true;
        faulty.IgnoreCancellation = true;
        var error = await Assert.ThrowsAsync<HostUnavailableException>(() => host.ReadMarkerAsync(Token));
        Assert.Contains("identity marker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_decorators_report_the_inner_host_s_location()
    {
        var (_, host, folder) = Wrap(_ => { });
        await using var _ = host;
        Assert.Equal(HostLocation.OfFolder(folder), host.Location);
    }

    public void Dispose() => _folder.Dispose();

    private (FaultyHost Faulty, ResilientStorageHost Host, string Folder) Wrap(Action<ResilientStorageHostOptions> configure)
    {
        var folder = _folder.CreateFolder(Guid.NewGuid().ToString("N"));
        var faulty = new FaultyHost(new DirectoryHost("dir", folder));
        var options = ResilientDirectoryHostFixture.FastOptions();
        configure(options);
        return (faulty, new ResilientStorageHost(faulty, options), folder);
    }
}
