using System.Diagnostics;
using CloudManager.Hosts;
using CloudManager.Hosts.Plowshare;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Hosts.Plowshare;

public sealed class PlowshareHostFixture : IStorageHostFixture, IDisposable
{
    public TempFolder Folder { get; } = new();

    public Task<IStorageHost> CreateHostAsync() =>
        Task.FromResult<IStorageHost>(new PlowshareHost("locker", new PlowshareStubs(Folder).FullOptions()));

    public Task<IStorageHost> CreateUnavailableHostAsync() =>
        Task.FromResult<IStorageHost>(new PlowshareHost("locker-down", new PlowshareStubs(Folder, "fail").FullOptions()));

    /// <summary>Every host of this fixture is the same module and account: one place.</summary>
    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateHostAsync();

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        throw new NotSupportedException("A file locker stores no identity marker.");

    public void Dispose() => Folder.Dispose();
}

public sealed class PlowshareHostTests(PlowshareHostFixture fixture)
    : StorageHostConformanceTests<PlowshareHostFixture>(fixture), IClassFixture<PlowshareHostFixture>
{
    private static readonly HostLocator DeadLink = new("http://plowshare.stub/stubmodule/0000000000000000");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>
    /// A site assigns the locator, so a locator the site never printed ("x") is known absent without
    /// asking the site; the unreachable site is asked about a link it could have printed instead.
    /// </summary>
    public override async Task Unavailable_host_throws_HostUnavailable_never_false()
    {
        await using var host = await Fixture.CreateUnavailableHostAsync();
        var (content, path, _) = MakeContent(10);
        var exists = await Assert.ThrowsAsync<HostUnavailableException>(() => host.ExistsAsync(content, DeadLink, Token));
        Assert.True(exists.IsTransient);
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.UploadAsync(content, path, Token));
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.OpenReadAsync(content, DeadLink, Token));
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.DeleteAsync(content, DeadLink, Token));
    }

    /// <summary>As above: only a link the site could have printed reaches the site.</summary>
    public override async Task Unavailable_host_fails_quickly()
    {
        await using var host = await Fixture.CreateUnavailableHostAsync();
        var (content, _, _) = MakeContent(10);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.ExistsAsync(content, DeadLink, Token));
        Assert.True(clock.Elapsed < QuickFailure);
    }

    /// <summary>
    /// A file locker makes a new link for every upload that does not find the content listed first;
    /// concurrent uploads all miss each other, so there may be several links, each holding the content.
    /// </summary>
    public override async Task UploadAsync_concurrently_same_content_yields_one_object()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(256 * 1024);
        var locators = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => host.UploadAsync(content, path, Token)));
        foreach (var locator in locators.Distinct())
        {
            await using var stream = await host.OpenReadAsync(content, locator, Token);
            Assert.Equal(content.Hash, await ContentHash.ComputeAsync(stream, Token));
        }

        Assert.All(await host.ListAsync(Token).ToListAsync(Token), e => Assert.Equal(content.Hash, e.Hash));
    }

    [Fact]
    public async Task Host_without_plowdel_and_plowlist_declares_and_refuses_delete_and_list()
    {
        await using var host = new PlowshareHost("locker", new PlowshareStubs(Fixture.Folder).MinimalOptions());
        Assert.False(host.Capabilities.CanDelete);
        Assert.False(host.Capabilities.CanList);
        Assert.True(host.Capabilities.AssignsLocator);
        var (content, path, _) = MakeContent(100);
        var locator = await host.UploadAsync(content, path, Token);
        Assert.StartsWith("http://plowshare.stub/", locator.Value, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => host.DeleteAsync(content, locator, Token));
        Assert.Throws<NotSupportedException>(() => host.ListAsync(Token));
        Assert.True(await host.ExistsAsync(content, locator, Token));
    }

    [Fact]
    public async Task UploadAsync_throws_HostOperation_when_plowup_prints_no_url()
    {
        await using var host = new PlowshareHost("locker", new PlowshareStubs(Fixture.Folder, "junk").MinimalOptions());
        var (content, path, _) = MakeContent(100);
        var error = await Assert.ThrowsAsync<HostOperationException>(() => host.UploadAsync(content, path, Token));
        Assert.Contains("printed no URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenReadAsync_ignores_noise_that_plowdown_prints()
    {
        var stubs = new PlowshareStubs(Fixture.Folder);
        await using var good = new PlowshareHost("locker", stubs.MinimalOptions());
        var (content, path, bytes) = MakeContent(5000);
        var locator = await good.UploadAsync(content, path, Token);
        var noisy = stubs.MinimalOptions();
        noisy.DownloadExecutable = stubs.Wrapper("plowdown", "junk");
        await using var host = new PlowshareHost("locker", noisy);
        await using var stream = await host.OpenReadAsync(content, locator, Token);
        Assert.Equal(bytes, await ReadAllAsync(stream));
    }

    [Fact]
    public async Task OpenReadAsync_throws_ContentNotFound_when_link_is_dead()
    {
        await using var host = new PlowshareHost("locker", new PlowshareStubs(Fixture.Folder, "dead").MinimalOptions());
        var (content, _, _) = MakeContent(100);
        await Assert.ThrowsAsync<ContentNotFoundException>(() => host.OpenReadAsync(content, DeadLink, Token));
    }

    [Fact]
    public async Task Hung_tool_is_killed_at_its_timeout_and_reported_unavailable()
    {
        var options = new PlowshareStubs(Fixture.Folder, "hang").FullOptions(timeout: TimeSpan.FromSeconds(1));
        await using var host = new PlowshareHost("locker", options);
        var (content, path, _) = MakeContent(100);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<HostUnavailableException>(() => host.UploadAsync(content, path, Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("within", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_running_tool_kills_it()
    {
        await using var host = new PlowshareHost("locker", new PlowshareStubs(Fixture.Folder, "hang").FullOptions());
        var (content, _, _) = MakeContent(100);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.ExistsAsync(content, DeadLink, cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Downloaded_file_is_deleted_when_the_stream_is_disposed()
    {
        var stubs = new PlowshareStubs(Fixture.Folder);
        await using var host = new PlowshareHost("locker", stubs.MinimalOptions());
        var (content, path, _) = MakeContent(2000);
        var locator = await host.UploadAsync(content, path, Token);
        var stream = await host.OpenReadAsync(content, locator, Token);
        Assert.NotEmpty(Directory.EnumerateFiles(stubs.Downloads, "*", SearchOption.AllDirectories));
        await stream.DisposeAsync();
        Assert.Empty(Directory.EnumerateFileSystemEntries(stubs.Downloads));
    }

    [Fact]
    public async Task Truncating_site_serves_short_content_that_the_caller_can_detect()
    {
        var stubs = new PlowshareStubs(Fixture.Folder);
        await using var good = new PlowshareHost("locker", stubs.MinimalOptions());
        var (content, path, _) = MakeContent(4000);
        var locator = await good.UploadAsync(content, path, Token);
        var truncating = stubs.MinimalOptions();
        truncating.DownloadExecutable = stubs.Wrapper("plowdown", "truncate");
        await using var bad = new PlowshareHost("locker", truncating);
        await using var stream = await bad.OpenReadAsync(content, locator, Token);
        Assert.Equal(content.Length / 2, (await ReadAllAsync(stream)).Length);
    }

    [Fact]
    public async Task Locator_that_is_not_a_link_never_reaches_a_tool()
    {
        var stubs = new PlowshareStubs(Fixture.Folder, "fail");
        await using var host = new PlowshareHost("locker", stubs.FullOptions());
        var (content, _, _) = MakeContent(10);
        var hostile = new HostLocator("--output-directory=/etc");
        Assert.False(await host.ExistsAsync(content, hostile, Token));
        await Assert.ThrowsAsync<ContentNotFoundException>(() => host.OpenReadAsync(content, hostile, Token));
        await host.DeleteAsync(content, hostile, Token);
    }

    [Fact]
    public void Factory_reads_settings_and_declares_capabilities_from_them()
    {
        var factory = new PlowshareHostFactory();
        var minimal = factory.Create("locker", new Dictionary<string, string> { ["module"] = "mediafire" });
        Assert.Equal("plowshare", minimal.Kind);
        Assert.False(minimal.Capabilities.CanDelete);
        var full = factory.Create("locker", new Dictionary<string, string>
        {
            ["module"] = "mediafire",
            ["deleteExecutable"] = "plowdel",
            ["listExecutable"] = "plowlist",
            ["listUrl"] = "http://www.mediafire.com/folder/abc",
            ["uploadTimeoutSeconds"] = "60",
        });
        Assert.True(full.Capabilities.CanDelete);
        Assert.True(full.Capabilities.CanList);
        var error = Assert.Throws<ArgumentException>(() => factory.Create("locker", new Dictionary<string, string> { ["module"] = "m", ["modul"] = "m" }));
        Assert.Contains("'modul'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => factory.Create("locker", new Dictionary<string, string>()));
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Token);
        return copy.ToArray();
    }
}

[Collection(LargeContentCollection.Name)]
public sealed class PlowshareHostLargeContentTests(PlowshareHostFixture fixture)
    : LargeContentConformanceTests<PlowshareHostFixture>(fixture), IClassFixture<PlowshareHostFixture>;
