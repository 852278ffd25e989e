using System.Diagnostics;
using CloudManager.Hosts;

namespace CloudManager.Testing.Conformance;

/// <summary>The behaviour every storage host kind must show; a host kind adds a fixture and a two-line subclass.</summary>
public abstract partial class StorageHostConformanceTests<TFixture>(TFixture fixture) : IDisposable
    where TFixture : class, IStorageHostFixture
{
    private readonly TempFolder _scratch = new();

    protected TFixture Fixture { get; } = fixture;

    /// <summary>How soon an unreachable host must say so.</summary>
    protected static readonly TimeSpan QuickFailure = TimeSpan.FromSeconds(10);

    private CancellationToken Token => TestContext.Current.CancellationToken;

    protected (ContentRef Content, string Path, byte[] Bytes) MakeContent(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var path = _scratch.Combine($"src-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, bytes);
        return (new ContentRef(ContentHash.Compute(bytes), length), path, bytes);
    }

    [Fact]
    public virtual async Task ExistsAsync_returns_false_when_never_uploaded()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, _, _) = MakeContent(10);
        Assert.False(await host.ExistsAsync(content, new HostLocator("x"), Token));
    }

    [Fact]
    public virtual async Task ListAsync_is_empty_for_new_host()
    {
        await using var host = await Fixture.CreateHostAsync();
        if (!host.Capabilities.CanList)
        {
            await Assert.ThrowsAsync<NotSupportedException>(async () => await host.ListAsync(Token).ToListAsync(Token));
            return;
        }

        Assert.Empty(await host.ListAsync(Token).ToListAsync(Token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65537)]
    [InlineData(1048579)]
    public virtual async Task UploadAsync_then_OpenReadAsync_round_trips(int length)
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, bytes) = MakeContent(length, length);
        var locator = await host.UploadAsync(content, path, Token);
        Assert.True(await host.ExistsAsync(content, locator, Token));
        await using var stream = await host.OpenReadAsync(content, locator, Token);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Token);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(content.Hash, ContentHash.Compute(copy.ToArray()));
    }

    [Fact]
    public virtual async Task UploadAsync_is_idempotent_when_content_exists()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(1000);
        var first = await host.UploadAsync(content, path, Token);
        var second = await host.UploadAsync(content, path, Token);
        Assert.True(await host.ExistsAsync(content, second, Token));
        if (host.Capabilities.CanList)
        {
            Assert.Single(await host.ListAsync(Token).ToListAsync(Token));
        }

        if (!host.Capabilities.AssignsLocator)
        {
            Assert.Equal(first, second);
        }
    }

    [Fact]
    public virtual async Task OpenReadAsync_throws_ContentNotFound_when_absent()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, _, _) = MakeContent(10);
        var error = await Assert.ThrowsAsync<ContentNotFoundException>(() => host.OpenReadAsync(content, new HostLocator("x"), Token));
        Assert.False(error.IsTransient);
        Assert.Equal(host.Name, error.HostName);
    }

    [Fact]
    public virtual async Task DeleteAsync_succeeds_when_absent()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, _, _) = MakeContent(10);
        await host.DeleteAsync(content, new HostLocator("x"), Token);
        Assert.False(await host.ExistsAsync(content, new HostLocator("x"), Token));
    }

    [Fact]
    public virtual async Task DeleteAsync_then_ExistsAsync_returns_false()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(100);
        var locator = await host.UploadAsync(content, path, Token);
        await host.DeleteAsync(content, locator, Token);
        Assert.False(await host.ExistsAsync(content, locator, Token));
    }

    [Fact]
    public virtual async Task UploadAsync_cancelled_leaves_nothing_visible()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(4 << 20);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.UploadAsync(content, path, cancelled.Token));
        Assert.False(await host.ExistsAsync(content, new HostLocator("x"), Token));
        if (host.Capabilities.CanList)
        {
            Assert.Empty(await host.ListAsync(Token).ToListAsync(Token));
        }
    }

    [Fact]
    public virtual async Task UploadAsync_concurrently_same_content_yields_one_object()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, bytes) = MakeContent(256 * 1024);
        var locators = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => host.UploadAsync(content, path, Token)));
        if (host.Capabilities.CanList)
        {
            var listed = await host.ListAsync(Token).ToListAsync(Token);
            Assert.Single(listed);
            Assert.Equal(content.Length, listed[0].Length);
        }

        await using var stream = await host.OpenReadAsync(content, locators[^1], Token);
        Assert.Equal(content.Hash, await ContentHash.ComputeAsync(stream, Token));
        Assert.Equal(bytes.Length, content.Length);
    }

    [Fact]
    public virtual async Task Unavailable_host_throws_HostUnavailable_never_false()
    {
        await using var host = await Fixture.CreateUnavailableHostAsync();
        var (content, path, _) = MakeContent(10);
        var locator = new HostLocator("x");
        var exists = await Assert.ThrowsAsync<HostUnavailableException>(() => host.ExistsAsync(content, locator, Token));
        Assert.True(exists.IsTransient);
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.UploadAsync(content, path, Token));
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.OpenReadAsync(content, locator, Token));
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.DeleteAsync(content, locator, Token));
    }

    [Fact]
    public virtual async Task Unavailable_host_fails_quickly()
    {
        await using var host = await Fixture.CreateUnavailableHostAsync();
        var (content, _, _) = MakeContent(10);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.ExistsAsync(content, new HostLocator("x"), Token));
        Assert.True(clock.Elapsed < QuickFailure, $"An unreachable host took {clock.Elapsed} to say so; expected less than {QuickFailure}.");
    }

    [Fact]
    public virtual async Task Unsupported_operations_throw_NotSupported_matching_capabilities()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(50);
        var locator = await host.UploadAsync(content, path, Token);
        if (host.Capabilities.CanDelete)
        {
            await host.DeleteAsync(content, locator, Token);
        }
        else
        {
            await Assert.ThrowsAsync<NotSupportedException>(() => host.DeleteAsync(content, locator, Token));
        }

        if (host.Capabilities.CanList)
        {
            Assert.DoesNotContain(await host.ListAsync(Token).ToListAsync(Token), e => e.Hash == content.Hash);
        }
        else
        {
            await Assert.ThrowsAsync<NotSupportedException>(async () => await host.ListAsync(Token).ToListAsync(Token));
        }

        Assert.True(host.Capabilities.MaxConcurrentTransfers >= 1);
    }

    [Fact]
    public virtual async Task Operations_honour_cancellation()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(100);
        var locator = await host.UploadAsync(content, path, Token);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.ExistsAsync(content, locator, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.DeleteAsync(content, locator, cancelled.Token));
        Assert.True(await host.ExistsAsync(content, locator, Token));
    }

    [Fact]
    public virtual async Task Locator_from_UploadAsync_is_accepted_by_every_other_call()
    {
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(300);
        var locator = await host.UploadAsync(content, path, Token);
        Assert.False(string.IsNullOrEmpty(locator.Value));
        Assert.True(await host.ExistsAsync(content, locator, Token));
        await using (var stream = await host.OpenReadAsync(content, locator, Token))
        {
            Assert.Equal(content.Hash, await ContentHash.ComputeAsync(stream, Token));
        }

        if (host.Capabilities.CanList)
        {
            var entry = Assert.Single(await host.ListAsync(Token).ToListAsync(Token));
            Assert.Equal(locator, entry.Locator);
            Assert.Equal(content.Hash, entry.Hash);
        }

        if (host.Capabilities.CanDelete)
        {
            await host.DeleteAsync(content, locator, Token);
            Assert.False(await host.ExistsAsync(content, locator, Token));
        }
    }

    public void Dispose()
    {
        _scratch.Dispose();
        GC.SuppressFinalize(this);
    }
}
