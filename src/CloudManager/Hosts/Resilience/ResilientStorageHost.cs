using System.Runtime.CompilerServices;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CloudManager.Hosts.Resilience;

/// <summary>
/// Wraps any host with time limits per operation and retries with exponential backoff for transient
/// errors (Polly): the one place where retrying happens, so that the hosts themselves only classify.
/// </summary>
/// <remarks>
/// <code>
/// var host = new ResilientStorageHost(new WebDavHost("nas", davOptions), new ResilientStorageHostOptions { OperationTimeout = TimeSpan.FromSeconds(10) });
/// </code>
/// <para>An attempt that runs past its limit is abandoned, even if the inner host ignores
/// cancellation, and counts as <see cref="HostUnavailableException"/>; so a hung host costs its
/// callers at most its timeouts and retries. Only <see cref="StorageHostException.IsTransient"/>
/// errors and timeouts are retried: absent content, damaged content, refusals and unsupported
/// operations pass through at once. Uploads can be retried because each attempt opens the
/// <see cref="UploadSource"/> again (re-read and re-verified); a damaged source
/// (<see cref="ContentMismatchException"/>) is never retried. Reads are
/// retried only while opening; once bytes flow, a read that waits longer than
/// <see cref="ResilientStorageHostOptions.ReadIdleTimeout"/> fails. Listings are not retried (a
/// retry half way would repeat entries); each step has the operation timeout.</para>
/// <para>Identity markers: reads are retried like presence checks; a retried creation reads the
/// marker first and returns it if one is there.</para>
/// <para>Name, kind, capabilities and location are the inner host's. Thread-safe as the inner host is.</para>
/// </remarks>
public sealed class ResilientStorageHost : IStorageHost
{
    private static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeout = new("CloudManager.AttemptTimeout");
    private readonly IStorageHost _inner;
    private readonly ResilientStorageHostOptions _options;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Wraps a host.</summary>
    /// <param name="inner">The host; disposed with this one.</param>
    /// <param name="options">Limits and retries; default <see cref="ResilientStorageHostOptions"/>.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public ResilientStorageHost(IStorageHost inner, ResilientStorageHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _options = options ?? new ResilientStorageHostOptions();
        _options.Validate();
        var builder = new ResiliencePipelineBuilder { TimeProvider = _options.TimeProvider };
        if (_options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<StorageHostException>(e => e.IsTransient).Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = _options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                MaxDelay = _options.MaxRetryDelay,
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(AttemptTimeout, _options.OperationTimeout)),
        });
        _pipeline = builder.Build();
    }

    /// <summary>The wrapped host.</summary>
    public IStorageHost Inner => _inner;

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public string Kind => _inner.Kind;

    /// <inheritdoc />
    public HostCapabilities Capabilities => _inner.Capabilities;

    /// <inheritdoc />
    public Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var timeout = _options.UploadTimeout + TimeSpan.FromSeconds((double)content.Length / _options.MinimumBytesPerSecond);
        return ExecuteAsync(token => UploadOnceAsync(content, source, token), timeout, "store", cancellationToken);
    }

    /// <summary>
    /// One attempt; each opens the source again, so a retry re-reads and re-verifies. A damaged source
    /// is never retried: whatever error the host wrapped it in, the source's mismatch is what surfaces.
    /// </summary>
    private async Task<HostLocator> UploadOnceAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        try
        {
            return await _inner.UploadAsync(content, source, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ContentMismatchException && source.Mismatch is { } mismatch)
        {
            throw mismatch.Renew();
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        var stream = await ExecuteAsync(token => _inner.OpenReadAsync(content, locator, token), _options.OperationTimeout, "start sending", cancellationToken)
            .ConfigureAwait(false);
        return new IdleTimeoutStream(stream, _options.ReadIdleTimeout, _options.TimeProvider, e =>
            new HostUnavailableException(Name, $"Host '{Name}' sent nothing for {_options.ReadIdleTimeout.TotalSeconds:0.#} s while sending {content.Hash}; gave up.", e));
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        ExecuteAsync(token => _inner.ExistsAsync(content, locator, token), _options.OperationTimeout, "say whether it holds content", cancellationToken);

    /// <inheritdoc />
    public Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        ExecuteAsync(
            async token =>
            {
                await _inner.DeleteAsync(content, locator, token).ConfigureAwait(false);
                return true;
            },
            _options.OperationTimeout,
            "delete",
            cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<HostEntry> ListAsync(CancellationToken cancellationToken) =>
        ListTimedAsync(token => _inner.ListAsync(token), "list", cancellationToken);

    /// <inheritdoc />
    public HostLocation Location => _inner.Location;

    /// <inheritdoc />
    /// <remarks>Idempotent, so retried like a presence check, with the operation timeout per attempt.</remarks>
    public Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(_inner.ReadMarkerAsync, _options.OperationTimeout, "read its identity marker", cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Retried with the operation timeout per attempt; every retry reads the marker first and returns
    /// it if the failed attempt (or another node) wrote one, so a retry never proposes a second marker
    /// over the first.
    /// </remarks>
    public Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        var attempts = 0;
        return ExecuteAsync(
            async token =>
            {
                if (Interlocked.Increment(ref attempts) > 1 && await _inner.ReadMarkerAsync(token).ConfigureAwait(false) is { } existing)
                {
                    return existing;
                }

                return await _inner.CreateMarkerAsync(proposed, token).ConfigureAwait(false);
            },
            _options.OperationTimeout,
            "write its identity marker",
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Retried (each attempt reads the stream again from its start) with the operation timeout per attempt.</remarks>
    public Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken) =>
        ExecuteAsync(
            async token =>
            {
                await _inner.PutMetadataAsync(name, content, token).ConfigureAwait(false);
                return true;
            },
            _options.OperationTimeout,
            "write a metadata object",
            cancellationToken);

    /// <inheritdoc />
    /// <remarks>Not retried, as content listings; each step has the operation timeout.</remarks>
    public IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, CancellationToken cancellationToken) =>
        ListTimedAsync(token => _inner.ListMetadataAsync(prefix, token), "list its metadata", cancellationToken);

    /// <summary>A listing of the inner host in which each step has the operation timeout; one that runs out gives up with <see cref="HostUnavailableException"/>.</summary>
    private async IAsyncEnumerable<T> ListTimedAsync<T>(
        Func<CancellationToken, IAsyncEnumerable<T>> list, string what, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var listing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var entries = list(listing.Token).GetAsyncEnumerator(listing.Token);
        await using (entries.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await entries.MoveNextAsync().AsTask().WaitAsync(_options.OperationTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException e)
                {
                    await listing.CancelAsync().ConfigureAwait(false);
                    throw new HostUnavailableException(Name, $"Host '{Name}' did not {what} within {_options.OperationTimeout.TotalSeconds:0.#} s; gave up.", e);
                }

                if (!more)
                {
                    yield break;
                }

                yield return entries.Current;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Retried while opening, like a content read.</remarks>
    public Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken) =>
        ExecuteAsync(token => _inner.OpenMetadataAsync(name, token), _options.OperationTimeout, "start sending a metadata object", cancellationToken);

    /// <inheritdoc />
    public Task DeleteMetadataAsync(string name, CancellationToken cancellationToken) =>
        ExecuteAsync(
            async token =>
            {
                await _inner.DeleteMetadataAsync(name, token).ConfigureAwait(false);
                return true;
            },
            _options.OperationTimeout,
            "delete a metadata object",
            cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <inheritdoc />
    public override string ToString() => $"{_inner} with retries";

    private async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> action, TimeSpan timeout, string operation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptTimeout, timeout);
        try
        {
            return await _pipeline.ExecuteAsync(
                // WaitAsync abandons an attempt whose host ignores the cancellation the timeout sends it.
                static async (ctx, state) => await state(ctx.CancellationToken).WaitAsync(ctx.CancellationToken).ConfigureAwait(false),
                context,
                action).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new HostUnavailableException(
                Name, $"Host '{Name}' did not {operation} within {timeout.TotalSeconds:0.#} s, {Counted.Of(_options.MaxRetryAttempts + 1, "time")}; gave up.", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
