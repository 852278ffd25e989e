using System.Diagnostics;
using CloudManager.Hosts;
using CloudManager.Hosts.Resilience;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Hosts.Resilience;

/// <summary>The decorator over a healthy directory host.</summary>
public sealed class ResilientDirectoryHostFixture : IStorageHostFixture, IDisposable
{
    private readonly TempFolder _folder = new();

    public static ResilientStorageHostOptions FastOptions() => new()
    {
        OperationTimeout = TimeSpan.FromSeconds(5),
        UploadTimeout = TimeSpan.FromSeconds(30),
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    private readonly HostPlaces _places = new();

    public Task<IStorageHost> CreateHostAsync() => CreateAt(_folder.CreateFolder(Guid.NewGuid().ToString("N")));

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        File.WriteAllBytesAsync(Path.Combine(_places.Of(host), HostMarker.ObjectName), bytes, TestContext.Current.CancellationToken);

    private Task<IStorageHost> CreateAt(string folder) => Task.FromResult(_places.Remember(new ResilientStorageHost(new DirectoryHost("dir", folder), FastOptions()), folder));

    public Task<IStorageHost> CreateUnavailableHostAsync() =>
        Task.FromResult<IStorageHost>(new ResilientStorageHost(new DirectoryHost("dir-missing", _folder.Combine("not-mounted", Guid.NewGuid().ToString("N"))), FastOptions()));

    public void Dispose() => _folder.Dispose();
}

/// <summary>The decorator over a host whose first operation always fails transiently: the retries hide it.</summary>
public sealed class ResilientFlakyHostFixture : IStorageHostFixture, IDisposable
{
    private readonly TempFolder _folder = new();

    private readonly HostPlaces _places = new();

    public Task<IStorageHost> CreateHostAsync() => CreateAt(_folder.CreateFolder(Guid.NewGuid().ToString("N")));

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        File.WriteAllBytesAsync(Path.Combine(_places.Of(host), HostMarker.ObjectName), bytes, TestContext.Current.CancellationToken);

    private Task<IStorageHost> CreateAt(string folder)
    {
        var flaky = new FaultyHost(new DirectoryHost("flaky", folder));
        flaky.FailNext(1);
        return Task.FromResult(_places.Remember(new ResilientStorageHost(flaky, ResilientDirectoryHostFixture.FastOptions()), folder));
    }

    public Task<IStorageHost> CreateUnavailableHostAsync() =>
        Task.FromResult<IStorageHost>(new ResilientStorageHost(
            new FaultyHost(new DirectoryHost("flaky-missing", _folder.Combine("not-mounted", Guid.NewGuid().ToString("N")))), ResilientDirectoryHostFixture.FastOptions()));

    public void Dispose() => _folder.Dispose();
}

/// <summary>The fault injector itself with no fault set: a transparent wrapper.</summary>
public sealed class FaultyHostFixture : IStorageHostFixture, IDisposable
{
    private readonly TempFolder _folder = new();

    private readonly HostPlaces _places = new();

    public Task<IStorageHost> CreateHostAsync() => CreateAt(_folder.CreateFolder(Guid.NewGuid().ToString("N")));

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        File.WriteAllBytesAsync(Path.Combine(_places.Of(host), HostMarker.ObjectName), bytes, TestContext.Current.CancellationToken);

    private Task<IStorageHost> CreateAt(string folder) => Task.FromResult(_places.Remember(new FaultyHost(new DirectoryHost("faulty", folder)), folder));

    public Task<IStorageHost> CreateUnavailableHostAsync() =>
        Task.FromResult<IStorageHost>(new FaultyHost(new DirectoryHost("faulty-missing", _folder.Combine("not-mounted", Guid.NewGuid().ToString("N")))));

    public void Dispose() => _folder.Dispose();
}

public sealed class ResilientDirectoryHostTests(ResilientDirectoryHostFixture fixture)
    : StorageHostConformanceTests<ResilientDirectoryHostFixture>(fixture), IClassFixture<ResilientDirectoryHostFixture>;

public sealed class ResilientFlakyHostTests(ResilientFlakyHostFixture fixture)
    : StorageHostConformanceTests<ResilientFlakyHostFixture>(fixture), IClassFixture<ResilientFlakyHostFixture>;

public sealed class FaultyHostTests(FaultyHostFixture fixture)
    : StorageHostConformanceTests<FaultyHostFixture>(fixture), IClassFixture<FaultyHostFixture>;

[Collection(LargeContentCollection.Name)]
public sealed class ResilientDirectoryHostLargeContentTests(ResilientDirectoryHostFixture fixture)
    : LargeContentConformanceTests<ResilientDirectoryHostFixture>(fixture), IClassFixture<ResilientDirectoryHostFixture>;

public sealed class ResilientStorageHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Transient_failures_are_retried_until_the_operation_succeeds()
    {
        var (faulty, host) = Wrap(o => o.MaxRetryAttempts = 3);
        await using var _ = host;
        var (content, path) = Content(1000);
        faulty.FailNext(2);
        var locator = await host.UploadAsync(content, path, Token);
        Assert.Equal(3, faulty.Uploads);
        Assert.True(await host.ExistsAsync(content, locator, Token));
    }

    [Fact]
    public async Task Transient_failures_give_up_after_the_last_retry()
    {
        var (faulty, host) = Wrap(o => o.MaxRetryAttempts = 2);
        await using var _ = host;
        var (content, path) = Content(10);
        faulty.FailUploads = true;
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.UploadAsync(content, path, Token));
        Assert.Equal(3, faulty.Uploads);
    }

    [Fact]
    public async Task Refusals_not_found_and_damage_are_not_retried()
    {
        var (faulty, host) = Wrap(o => o.MaxRetryAttempts = 3);
        await using var _ = host;
        var (content, path) = Content(10);
        faulty.FailUploads = true;
        faulty.FailPermanently = true;
        await Assert.ThrowsAsync<HostOperationException>(() => host.UploadAsync(content, path, Token));
        Assert.Equal(1, faulty.Uploads);
        await Assert.ThrowsAsync<ContentNotFoundException>(() => host.OpenReadAsync(content, new HostLocator("x"), Token));
        Assert.Equal(1, faulty.Reads);
    }

    [Fact]
    public async Task Hung_operation_is_abandoned_at_its_timeout_even_when_the_host_ignores_cancellation()
    {
        var (faulty, host) = Wrap(o =>
        {
            o.OperationTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxRetryAttempts = 1;
        });
        await using var _ = host;
        var (content, _) = Content(10);
        faulty.HangExists = true;
        faulty.IgnoreCancellation = true;
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<HostUnavailableException>(() => host.ExistsAsync(content, new HostLocator("x"), Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(2, faulty.Lookups);
        Assert.Contains("within", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_time_limit_grows_with_the_file()
    {
        var (faulty, host) = Wrap(o =>
        {
            o.UploadTimeout = TimeSpan.FromMilliseconds(200);
            o.MinimumBytesPerSecond = 1000;
            o.MaxRetryAttempts = 0;
        });
        await using var _ = host;
        faulty.HangUploads = true;
        var (content, path) = Content(1000);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.UploadAsync(content, path, Token));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Download_that_stops_sending_fails_at_the_idle_timeout()
    {
        var (faulty, host) = Wrap(o => o.ReadIdleTimeout = TimeSpan.FromMilliseconds(300));
        await using var _ = host;
        var (content, path) = Content(100_000);
        var locator = await host.UploadAsync(content, path, Token);
        faulty.HangReadsAfterBytes = 10_000;
        faulty.IgnoreCancellation = true;
        await using var stream = await host.OpenReadAsync(content, locator, Token);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<HostUnavailableException>(() => stream.CopyToAsync(Stream.Null, Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Slow_host_within_its_limits_still_delivers()
    {
        var (faulty, host) = Wrap(o => o.ReadIdleTimeout = TimeSpan.FromSeconds(5));
        await using var _ = host;
        var (content, path) = Content(50_000);
        var locator = await host.UploadAsync(content, path, Token);
        faulty.ReadDelay = TimeSpan.FromMilliseconds(20);
        await using var stream = await host.OpenReadAsync(content, locator, Token);
        Assert.Equal(content.Hash, await ContentHash.ComputeAsync(stream, Token));
    }

    [Fact]
    public async Task Caller_cancellation_is_not_retried_nor_turned_into_unavailability()
    {
        var (faulty, host) = Wrap(o => o.MaxRetryAttempts = 3);
        await using var _ = host;
        faulty.HangExists = true;
        var (content, _) = Content(10);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.ExistsAsync(content, new HostLocator("x"), cancel.Token));
        Assert.Equal(1, faulty.Lookups);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        var inner = new DirectoryHost("dir", _folder.Path);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResilientStorageHost(inner, new ResilientStorageHostOptions { MaxRetryAttempts = 11 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResilientStorageHost(inner, new ResilientStorageHostOptions { OperationTimeout = TimeSpan.Zero }));
        var host = new ResilientStorageHost(inner);
        Assert.Equal(("dir", "directory"), (host.Name, host.Kind));
        Assert.Same(inner, host.Inner);
    }

    public void Dispose() => _folder.Dispose();

    private (FaultyHost Faulty, ResilientStorageHost Host) Wrap(Action<ResilientStorageHostOptions> configure)
    {
        var faulty = new FaultyHost(new DirectoryHost("dir", _folder.CreateFolder(Guid.NewGuid().ToString("N"))));
        var options = ResilientDirectoryHostFixture.FastOptions();
        configure(options);
        return (faulty, new ResilientStorageHost(faulty, options));
    }

    private (ContentRef Content, string Path) Content(int length)
    {
        var path = _folder.WriteRandomFile(Guid.NewGuid().ToString("N"), length, length);
        return (new ContentRef(ContentHash.Compute(File.ReadAllBytes(path)), length), path);
    }
}
