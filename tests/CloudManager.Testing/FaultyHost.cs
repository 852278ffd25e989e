using System.Runtime.CompilerServices;
using CloudManager.Hosts;

namespace CloudManager.Testing;

/// <summary>
/// Wraps a host and fails, hangs, slows or damages chosen operations, for fault injection. Without
/// faults it passes everything through, streaming, so it passes the conformance suite itself.
/// </summary>
public sealed class FaultyHost(IStorageHost inner) : IStorageHost
{
    private readonly CancellationTokenSource _released = new();
    private int _transientFailures;

    /// <summary>Uploads fail as unavailable.</summary>
    public bool FailUploads { get; set; }

    /// <summary>Opening a read fails as unavailable.</summary>
    public bool FailReads { get; set; }

    /// <summary>Presence checks and deletes fail as unavailable.</summary>
    public bool FailExists { get; set; }

    /// <summary>Reading and creating the identity marker fail as unavailable (an unreachable host, an unmounted disk).</summary>
    public bool FailMarkerReads { get; set; }

    /// <summary>Writing, listing, reading and deleting metadata objects (the journal) fail as unavailable.</summary>
    public bool FailMetadata { get; set; }

    /// <summary>Metadata objects written (or attempted).</summary>
    public int MetadataPuts;

    /// <summary>Reading and creating the identity marker never finish.</summary>
    public bool HangMarkerReads { get; set; }

    /// <summary>How many marker creations still reach the host but then fail as unavailable, as when the answer is lost on the way back.</summary>
    public int LoseMarkerCreationAnswers;

    /// <summary>Failures are refusals (<see cref="HostOperationException"/>, not transient) instead of unavailability.</summary>
    public bool FailPermanently { get; set; }

    /// <summary>Serve the stored bytes with the middle byte flipped.</summary>
    public bool CorruptReads { get; set; }

    /// <summary>Serve only the first half of the stored bytes.</summary>
    public bool TruncateReads { get; set; }

    /// <summary>Uploads read this many bytes of what they are sent, then fail as unavailable (a host failing mid-stream).</summary>
    public long? FailUploadsAfterBytes { get; set; }

    /// <summary>Uploads never finish.</summary>
    public bool HangUploads { get; set; }

    /// <summary>Opening a read never finishes.</summary>
    public bool HangReads { get; set; }

    /// <summary>Presence checks never finish.</summary>
    public bool HangExists { get; set; }

    /// <summary>Once this many bytes were served, the stream stops sending (forever).</summary>
    public long? HangReadsAfterBytes { get; set; }

    /// <summary>Hangs ignore cancellation, as a host stuck in a system call does; only disposing the host ends them.</summary>
    public bool IgnoreCancellation { get; set; }

    /// <summary>A wait before every read of a download stream: a slow host.</summary>
    public TimeSpan ReadDelay { get; set; }

    public int Uploads;

    public int Reads;

    public int Lookups;

    public int MarkerReads;

    public int MarkerCreations;

    /// <summary>The host this one wraps.</summary>
    public IStorageHost Inner => inner;

    public string Name => inner.Name;

    public string Kind => inner.Kind;

    public HostCapabilities Capabilities => inner.Capabilities;

    /// <summary>The next <paramref name="count"/> operations, of any kind, fail as unavailable; then the host behaves.</summary>
    public void FailNext(int count) => Volatile.Write(ref _transientFailures, count);

    public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Uploads);
        await InjectAsync(FailUploads, HangUploads, cancellationToken);
        if (FailUploadsAfterBytes is { } limit)
        {
            // Reads part of what it is sent, then fails as a connection that drops does.
            var input = await source.OpenReadAsync(cancellationToken);
            await using (input)
            {
                var buffer = new byte[Math.Max(1, Math.Min(limit, 1 << 16))];
                long read = 0;
                int n;
                while (read < limit && (n = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - read)), cancellationToken)) > 0)
                {
                    read += n;
                }
            }

            throw new HostUnavailableException(Name, $"Host '{Name}' dropped the connection after {limit} bytes (fault injected).");
        }

        return await inner.UploadAsync(content, source, cancellationToken);
    }

    public async Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Reads);
        await InjectAsync(FailReads, HangReads, cancellationToken);
        var stream = await inner.OpenReadAsync(content, locator, cancellationToken);
        return CorruptReads || TruncateReads || HangReadsAfterBytes is not null || ReadDelay > TimeSpan.Zero
            ? new FaultyStream(this, stream, content.Length)
            : stream;
    }

    public async Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Lookups);
        await InjectAsync(FailExists, HangExists, cancellationToken);
        return await inner.ExistsAsync(content, locator, cancellationToken);
    }

    public async Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        await InjectAsync(FailExists, hang: false, cancellationToken);
        await inner.DeleteAsync(content, locator, cancellationToken);
    }

    public async IAsyncEnumerable<HostEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in inner.ListAsync(cancellationToken))
        {
            yield return entry;
        }
    }

    public HostLocation Location => inner.Location;

    public async Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref MarkerReads);
        await InjectAsync(FailMarkerReads, HangMarkerReads, cancellationToken);
        return await inner.ReadMarkerAsync(cancellationToken);
    }

    public async Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref MarkerCreations);
        await InjectAsync(FailMarkerReads, HangMarkerReads, cancellationToken);
        var created = await inner.CreateMarkerAsync(proposed, cancellationToken);
        return Interlocked.Decrement(ref LoseMarkerCreationAnswers) >= 0
            ? throw new HostUnavailableException(Name, $"{Name}: the answer to the marker creation was lost (injected)")
            : created;
    }

    public async Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref MetadataPuts);
        await InjectAsync(FailMetadata, hang: false, cancellationToken);
        await inner.PutMetadataAsync(name, content, cancellationToken);
    }

    public async IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await InjectAsync(FailMetadata, hang: false, cancellationToken);
        await foreach (var entry in inner.ListMetadataAsync(prefix, cancellationToken))
        {
            yield return entry;
        }
    }

    public async Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken)
    {
        await InjectAsync(FailMetadata, hang: false, cancellationToken);
        return await inner.OpenMetadataAsync(name, cancellationToken);
    }

    public async Task DeleteMetadataAsync(string name, CancellationToken cancellationToken)
    {
        await InjectAsync(FailMetadata, hang: false, cancellationToken);
        await inner.DeleteMetadataAsync(name, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _released.CancelAsync();
        await inner.DisposeAsync();
    }

    private async Task InjectAsync(bool fail, bool hang, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transient = Interlocked.Decrement(ref _transientFailures) >= 0;
        if (!transient)
        {
            Interlocked.Increment(ref _transientFailures);
        }

        if (fail || transient)
        {
            throw FailPermanently && !transient
                ? new HostOperationException(Name, $"{Name} refused (injected)")
                : new HostUnavailableException(Name, $"{Name} is down (injected)");
        }

        if (hang)
        {
            await HangAsync(cancellationToken);
        }
    }

    private Task HangAsync(CancellationToken cancellationToken) =>
        Task.Delay(Timeout.Infinite, IgnoreCancellation ? _released.Token : cancellationToken);

    private sealed class FaultyStream(FaultyHost host, Stream inner, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (host.ReadDelay > TimeSpan.Zero)
            {
                await Task.Delay(host.ReadDelay, cancellationToken);
            }

            if (host.HangReadsAfterBytes is { } hangAt && _position >= hangAt)
            {
                await host.HangAsync(cancellationToken);
            }

            var limit = host.TruncateReads ? length / 2 : long.MaxValue;
            var wanted = (int)Math.Min(buffer.Length, Math.Max(0, limit - _position));
            if (host.HangReadsAfterBytes is { } stopAt)
            {
                wanted = (int)Math.Min(wanted, Math.Max(1, stopAt - _position));
            }

            if (wanted == 0)
            {
                return 0;
            }

            var read = await inner.ReadAsync(buffer[..wanted], cancellationToken);
            var middle = length / 2;
            if (host.CorruptReads && middle >= _position && middle < _position + read)
            {
                buffer.Span[(int)(middle - _position)] ^= 0x55;
            }

            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
