using CloudManager.Hosts;
using CloudManager.Testing;

namespace CloudManager.Tests.Hosts;

public sealed class HostSelfTestTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_passes_every_step_on_a_healthy_host_and_leaves_nothing_behind()
    {
        await using var host = new DirectoryHost("dir", _folder.CreateFolder("host"));
        var report = await HostSelfTest.RunAsync(host, new HostSelfTestOptions { ContentLength = 100_000, TempPath = _folder.Path }, Token);

        Assert.True(report.Passed, string.Join("; ", report.Steps.Select(s => $"{s.Name}: {s.Outcome} {s.Detail}")));
        Assert.Equal(["probe", "upload", "exists", "read back", "delete", "gone"], report.Steps.Select(s => s.Name));
        Assert.All(report.Steps, s => Assert.Equal(HostSelfTestOutcome.Passed, s.Outcome));
        Assert.Empty(await host.ListAsync(Token).ToListAsync(Token));
        Assert.Equal(["host"], Directory.EnumerateDirectories(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task RunAsync_reports_an_unreachable_host_at_the_first_step()
    {
        await using var host = new DirectoryHost("dir", _folder.Combine("not-mounted"));
        var report = await HostSelfTest.RunAsync(host, new HostSelfTestOptions { TempPath = _folder.Path }, Token);

        Assert.False(report.Passed);
        var probe = report.Steps[0];
        Assert.Equal(("probe", HostSelfTestOutcome.Failed), (probe.Name, probe.Outcome));
        Assert.Contains("HostUnavailableException", probe.Detail, StringComparison.Ordinal);
        Assert.All(report.Steps.Skip(1), s => Assert.Equal(HostSelfTestOutcome.Skipped, s.Outcome));
    }

    [Fact]
    public async Task RunAsync_catches_a_host_that_serves_damaged_bytes_and_still_removes_its_copy()
    {
        await using var host = new FaultyHost(new DirectoryHost("dir", _folder.CreateFolder("host"))) { CorruptReads = true };
        var report = await HostSelfTest.RunAsync(host, new HostSelfTestOptions { ContentLength = 10_000, TempPath = _folder.Path }, Token);

        Assert.False(report.Passed);
        var readBack = report.Steps.Single(s => s.Name == "read back");
        Assert.Equal(HostSelfTestOutcome.Failed, readBack.Outcome);
        Assert.Contains("hashing to", readBack.Detail, StringComparison.Ordinal);
        Assert.Equal(HostSelfTestOutcome.Passed, report.Steps.Single(s => s.Name == "delete").Outcome);
        Assert.Empty(await host.ListAsync(Token).ToListAsync(Token));
    }

    [Fact]
    public async Task RunAsync_times_out_a_hung_step()
    {
        await using var host = new FaultyHost(new DirectoryHost("dir", _folder.CreateFolder("host"))) { HangExists = true, IgnoreCancellation = true };
        var report = await HostSelfTest.RunAsync(host, new HostSelfTestOptions { StepTimeout = TimeSpan.FromMilliseconds(200), TempPath = _folder.Path }, Token);

        Assert.Equal(HostSelfTestOutcome.Failed, report.Steps[0].Outcome);
        Assert.Contains("no answer within", report.Steps[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_skips_the_delete_a_host_cannot_do()
    {
        await using var host = new NoDeleteHost(new DirectoryHost("dir", _folder.CreateFolder("host")));
        var report = await HostSelfTest.RunAsync(host, new HostSelfTestOptions { ContentLength = 0, TempPath = _folder.Path }, Token);

        Assert.True(report.Passed);
        Assert.Equal(HostSelfTestOutcome.Skipped, report.Steps.Single(s => s.Name == "delete").Outcome);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>A host that declares it cannot delete, as a file locker without plowdel does.</summary>
    private sealed class NoDeleteHost(IStorageHost inner) : IStorageHost
    {
        public string Name => inner.Name;

        public string Kind => inner.Kind;

        public HostCapabilities Capabilities => inner.Capabilities with { CanDelete = false };

        public Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken) =>
            inner.UploadAsync(content, source, cancellationToken);

        public Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
            inner.OpenReadAsync(content, locator, cancellationToken);

        public Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
            inner.ExistsAsync(content, locator, cancellationToken);

        public Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<HostEntry> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public HostLocation Location => inner.Location;

        public Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken) => inner.ReadMarkerAsync(cancellationToken);

        public Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken) => inner.CreateMarkerAsync(proposed, cancellationToken);

        public Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken) => inner.PutMetadataAsync(name, content, cancellationToken);

        public IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, CancellationToken cancellationToken) => inner.ListMetadataAsync(prefix, cancellationToken);

        public Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken) => inner.OpenMetadataAsync(name, cancellationToken);

        public Task DeleteMetadataAsync(string name, CancellationToken cancellationToken) => inner.DeleteMetadataAsync(name, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
