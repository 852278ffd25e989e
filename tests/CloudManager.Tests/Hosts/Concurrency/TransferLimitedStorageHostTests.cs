using CloudManager.Hosts;
using CloudManager.Hosts.Concurrency;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Hosts.Concurrency;

/// <summary>The pool's upload limit over a directory host that allows one transfer at a time.</summary>
public sealed class TransferLimitedDirectoryHostFixture : IStorageHostFixture, IDisposable
{
    private readonly TempFolder _folder = new();

    private readonly HostPlaces _places = new();

    public Task<IStorageHost> CreateHostAsync() => CreateAt(_folder.CreateFolder(Guid.NewGuid().ToString("N")));

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        File.WriteAllBytesAsync(Path.Combine(_places.Of(host), HostMarker.ObjectName), bytes, TestContext.Current.CancellationToken);

    private Task<IStorageHost> CreateAt(string folder) =>
        Task.FromResult(_places.Remember(new TransferLimitedStorageHost(new DirectoryHost("limited", new DirectoryHostOptions { Path = folder, MaxConcurrentTransfers = 1 })), folder));

    public Task<IStorageHost> CreateUnavailableHostAsync() =>
        Task.FromResult<IStorageHost>(new TransferLimitedStorageHost(new DirectoryHost(
            "limited-missing", new DirectoryHostOptions { Path = _folder.Combine("not-mounted", Guid.NewGuid().ToString("N")), MaxConcurrentTransfers = 1 })));

    public void Dispose() => _folder.Dispose();
}

public sealed class TransferLimitedDirectoryHostTests(TransferLimitedDirectoryHostFixture fixture)
    : StorageHostConformanceTests<TransferLimitedDirectoryHostFixture>(fixture), IClassFixture<TransferLimitedDirectoryHostFixture>;

public sealed class TransferLimitedStorageHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_more_uploads_run_at_once_than_the_host_allows_and_the_others_wait_their_turn()
    {
        var gated = new GatedHost(new DirectoryHost("gated", _folder.CreateFolder("gated")), maxConcurrentTransfers: 2);
        await using var host = new TransferLimitedStorageHost(gated);
        var uploads = Enumerable.Range(0, 6).Select(i => Content(100 + i)).Select(c => host.UploadAsync(c.Content, c.Path, Token)).ToList();

        await gated.WaitUntilInsideAsync(2);
        // Give a third upload every chance to get in, were the limit not kept.
        await Task.Delay(200, Token);
        Assert.Equal(2, gated.Inside);
        Assert.All(uploads, u => Assert.False(u.IsCompleted));

        gated.Open();
        await Task.WhenAll(uploads);
        Assert.Equal(2, gated.MostInside);
        Assert.Equal(6, gated.Entered);
    }

    [Fact]
    public async Task An_upload_cancelled_while_it_waits_gives_up_no_turn()
    {
        var gated = new GatedHost(new DirectoryHost("gated", _folder.CreateFolder("gated")), maxConcurrentTransfers: 1);
        await using var host = new TransferLimitedStorageHost(gated);
        var first = Content(10);
        var running = host.UploadAsync(first.Content, first.Path, Token);
        await gated.WaitUntilInsideAsync(1);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var second = Content(20);
        var waiting = host.UploadAsync(second.Content, second.Path, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        gated.Open();
        await running;
        var third = Content(30);
        var locator = await host.UploadAsync(third.Content, third.Path, Token);
        Assert.True(await host.ExistsAsync(third.Content, locator, Token));
        Assert.Equal(2, gated.Entered);
    }

    [Fact]
    public async Task Reads_pass_while_every_upload_turn_is_taken()
    {
        var gated = new GatedHost(new DirectoryHost("gated", _folder.CreateFolder("gated")), maxConcurrentTransfers: 1);
        await using var host = new TransferLimitedStorageHost(gated);
        var stored = Content(40);
        gated.Open();
        var locator = await host.UploadAsync(stored.Content, stored.Path, Token);
        gated.Close();
        var blocked = Content(50);
        var running = host.UploadAsync(blocked.Content, blocked.Path, Token);
        await gated.WaitUntilInsideAsync(1);

        var stream = await host.OpenReadAsync(stored.Content, locator, Token);
        await using (stream)
        {
            Assert.Equal(stored.Content.Hash, await ContentHash.ComputeAsync(stream, Token));
        }

        Assert.True(await host.ExistsAsync(stored.Content, locator, Token));
        gated.Open();
        await running;
    }

    public void Dispose() => _folder.Dispose();

    private (ContentRef Content, string Path) Content(int length)
    {
        var path = _folder.WriteRandomFile($"{Guid.NewGuid():N}.bin", length, length);
        var bytes = File.ReadAllBytes(path);
        return (new ContentRef(ContentHash.Compute(bytes), bytes.Length), path);
    }

    /// <summary>A host whose uploads wait at a gate, counting how many are inside at once.</summary>
    private sealed class GatedHost(IStorageHost inner, int maxConcurrentTransfers) : IStorageHost
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;

        public int Inside
        {
            get
            {
                lock (_lock)
                {
                    return _inside;
                }
            }
        }

        public int MostInside { get; private set; }

        public int Entered { get; private set; }

        public string Name => inner.Name;

        public string Kind => inner.Kind;

        public HostCapabilities Capabilities => inner.Capabilities with { MaxConcurrentTransfers = maxConcurrentTransfers };

        public void Open() => _gate.TrySetResult();

        public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task WaitUntilInsideAsync(int count)
        {
            for (var i = 0; i < 500 && Inside < count; i++)
            {
                await Task.Delay(10, Token);
            }

            Assert.Equal(count, Inside);
        }

        public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                _inside++;
                Entered++;
                MostInside = Math.Max(MostInside, _inside);
            }

            try
            {
                await _gate.Task.WaitAsync(cancellationToken);
                return await inner.UploadAsync(content, source, cancellationToken);
            }
            finally
            {
                lock (_lock)
                {
                    _inside--;
                }
            }
        }

        public Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
            inner.OpenReadAsync(content, locator, cancellationToken);

        public Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
            inner.ExistsAsync(content, locator, cancellationToken);

        public Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
            inner.DeleteAsync(content, locator, cancellationToken);

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
