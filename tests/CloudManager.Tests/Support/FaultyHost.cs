using System.Runtime.CompilerServices;
using CloudManager.Hosts;

namespace CloudManager.Tests.Support;

/// <summary>Wraps a host and fails or damages chosen operations, for fault injection.</summary>
public sealed class FaultyHost(IStorageHost inner) : IStorageHost
{
    public bool FailUploads { get; set; }

    public bool FailReads { get; set; }

    /// <summary>Serve the stored bytes with one byte flipped.</summary>
    public bool CorruptReads { get; set; }

    /// <summary>Serve only the first half of the stored bytes.</summary>
    public bool TruncateReads { get; set; }

    public int Uploads;

    public int Reads;

    public string Name => inner.Name;

    public string Kind => inner.Kind;

    public HostCapabilities Capabilities => inner.Capabilities;

    public Task<HostLocator> UploadAsync(ContentRef content, string sourcePath, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Uploads);
        return FailUploads
            ? throw new HostUnavailableException(Name, $"{Name} is down (injected)")
            : inner.UploadAsync(content, sourcePath, cancellationToken);
    }

    public async Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Reads);
        if (FailReads)
        {
            throw new HostUnavailableException(Name, $"{Name} is down (injected)");
        }

        await using var stream = await inner.OpenReadAsync(content, locator, cancellationToken);
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.ToArray();
        if (CorruptReads && bytes.Length > 0)
        {
            bytes[bytes.Length / 2] ^= 0x55;
        }

        if (TruncateReads)
        {
            bytes = bytes[..(bytes.Length / 2)];
        }

        return new MemoryStream(bytes);
    }

    public Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        inner.ExistsAsync(content, locator, cancellationToken);

    public Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        inner.DeleteAsync(content, locator, cancellationToken);

    public async IAsyncEnumerable<HostEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in inner.ListAsync(cancellationToken))
        {
            yield return entry;
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
