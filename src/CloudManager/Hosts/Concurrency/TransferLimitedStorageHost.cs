namespace CloudManager.Hosts.Concurrency;

/// <summary>
/// Wraps a host so that at most <see cref="HostCapabilities.MaxConcurrentTransfers"/> uploads run
/// against it at once, however many files a sync copies in parallel; further uploads wait their
/// turn. The pool wraps every configured host in one when it is created.
/// </summary>
/// <remarks>
/// Reads, presence checks, deletes, listings, the identity marker and metadata objects pass straight through: a read stream may be held
/// by a slow client for as long as it likes, and must not keep uploads waiting. Name, kind and
/// capabilities are the inner host's.
/// </remarks>
internal sealed class TransferLimitedStorageHost : IStorageHost
{
    private readonly IStorageHost _inner;
    private readonly SemaphoreSlim _uploads;

    /// <summary>Wraps a host; it is disposed with this one.</summary>
    internal TransferLimitedStorageHost(IStorageHost inner)
    {
        _inner = inner;
        _uploads = new SemaphoreSlim(Math.Max(1, inner.Capabilities.MaxConcurrentTransfers));
    }

    public string Name => _inner.Name;

    public string Kind => _inner.Kind;

    public HostCapabilities Capabilities => _inner.Capabilities;

    /// <summary>The host this one limits.</summary>
    internal IStorageHost Inner => _inner;

    public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!_uploads.Wait(0, CancellationToken.None))
        {
            // A read shared with other hosts must not wait for this one while it waits for its turn:
            // two syncs could each hold the turn the other's shared read waits for.
            source.WillWait();
            await _uploads.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await _inner.UploadAsync(content, source, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _uploads.Release();
        }
    }

    public Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        _inner.OpenReadAsync(content, locator, cancellationToken);

    public Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        _inner.ExistsAsync(content, locator, cancellationToken);

    public Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        _inner.DeleteAsync(content, locator, cancellationToken);

    public IAsyncEnumerable<HostEntry> ListAsync(CancellationToken cancellationToken) => _inner.ListAsync(cancellationToken);

    public HostLocation Location => _inner.Location;

    public Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken) => _inner.ReadMarkerAsync(cancellationToken);

    public Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken) => _inner.CreateMarkerAsync(proposed, cancellationToken);

    public Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken) => _inner.PutMetadataAsync(name, content, cancellationToken);

    public IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, CancellationToken cancellationToken) => _inner.ListMetadataAsync(prefix, cancellationToken);

    public Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken) => _inner.OpenMetadataAsync(name, cancellationToken);

    public Task DeleteMetadataAsync(string name, CancellationToken cancellationToken) => _inner.DeleteMetadataAsync(name, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _uploads.Dispose();
    }
}
