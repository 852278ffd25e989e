using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using CloudManager.Hosts;
using CloudManager.IO;

namespace CloudManager.Replication;

/// <summary>
/// One read of a cached file fanned out to the hosts a sync copies it to: the file is read and
/// hashed once, block by block, and each block is handed to every host through its own bounded pipe,
/// so a slow host holds the read back (back-pressure) and memory stays at a few blocks per host. The
/// last block is handed out only once the whole file hashes to its SHA-256 and has its length; when
/// it does not, every host's read fails with <see cref="ContentMismatchException"/> instead, and no
/// host, which stores a copy only once it has every byte, stores the damaged bytes.
/// </summary>
/// <remarks>
/// <para>Each host gets a <see cref="Share"/>. Its first read joins the shared one, which starts once
/// every host has joined or left; a host leaves when its upload ends, when it reads again (a retry:
/// that read, like a read that comes after the shared one started, reads the file on its own, verified
/// the same way), and when it has to wait for a transfer slot (two syncs could otherwise each hold the
/// slot the other's shared read waits for). A host whose upload fails is dropped from the fan-out; the
/// others go on.</para>
/// </remarks>
internal sealed class CacheFileBroadcast
{
    private const int BlockSize = 1 << 20;
    private static readonly PipeOptions Pipes = new(
        pauseWriterThreshold: 4 * BlockSize, resumeWriterThreshold: 2 * BlockSize, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false);

    private readonly object _lock = new();
    private readonly List<Share> _shares = [];
    private readonly string _path;
    private readonly ContentRef _content;
    private readonly Action _opened;
    private readonly CancellationToken _cancellationToken;
    private bool _started;

    /// <param name="path">The cached file.</param>
    /// <param name="content">What it must hold.</param>
    /// <param name="opened">Called each time the cached file is opened for reading (the shared read or a host's own).</param>
    /// <param name="cancellationToken">Stops the shared read (the sync's token).</param>
    internal CacheFileBroadcast(string path, ContentRef content, Action opened, CancellationToken cancellationToken)
    {
        _path = path;
        _content = content;
        _opened = opened;
        _cancellationToken = cancellationToken;
    }

    /// <summary>How errors name the cached copy of a file.</summary>
    internal static string Describe(ContentHash hash) => $"the cached copy of {hash}";

    /// <summary>A source for one more host; add every host before any upload starts.</summary>
    internal Share AddHost()
    {
        var share = new Share(this);
        lock (_lock)
        {
            _shares.Add(share);
        }

        return share;
    }

    private bool TryJoin(Share share, out Pipe pipe)
    {
        lock (_lock)
        {
            pipe = null!;
            if (_started || share.State != ShareState.Waiting)
            {
                return false;
            }

            pipe = new Pipe(Pipes);
            share.Pipe = pipe;
            share.State = ShareState.Joined;
            StartIfReady();
            return true;
        }
    }

    private void Leave(Share share)
    {
        lock (_lock)
        {
            if (share.State == ShareState.Joined)
            {
                share.Detached = true;
                if (_started)
                {
                    // The shared read drops it at its next block, or now if it waits for this host's room.
                    share.Pipe!.Writer.CancelPendingFlush();
                }
                else
                {
                    share.Pipe!.Writer.Complete();
                }
            }

            share.State = ShareState.Left;
            StartIfReady();
        }
    }

    /// <summary>Starts the shared read once no host is still to join. Under the lock.</summary>
    private void StartIfReady()
    {
        if (_started || _shares.Any(s => s.State == ShareState.Waiting))
        {
            return;
        }

        _started = true;
        var taps = _shares.Where(s => s.State == ShareState.Joined && !s.Detached).ToList();
        if (taps.Count > 0)
        {
            _ = Task.Run(() => ReadAndSendAsync(taps));
        }
    }

    private async Task ReadAndSendAsync(List<Share> taps)
    {
        // One byte more than a block: the read past the end, which must find nothing, lands there.
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize + 1);
        try
        {
            _opened();
            var file = DurableFile.OpenSequentialRead(_path);
            await using (file.ConfigureAwait(false))
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long position = 0;
                do
                {
                    var wanted = (int)Math.Min(BlockSize, _content.Length - position);
                    var read = await file.ReadAtLeastAsync(buffer.AsMemory(0, wanted), wanted, throwOnEndOfStream: false, _cancellationToken).ConfigureAwait(false);
                    sha.AppendData(buffer, 0, read);
                    position += read;
                    if (read < wanted)
                    {
                        throw Mismatch(position, null);
                    }

                    if (position == _content.Length)
                    {
                        // The last block goes out only once the whole file is known good.
                        var after = await file.ReadAsync(buffer.AsMemory(read, 1), _cancellationToken).ConfigureAwait(false);
                        if (after > 0)
                        {
                            throw Mismatch(position + after, null);
                        }

                        var hash = ContentHash.FromBytes(sha.GetHashAndReset());
                        if (hash != _content.Hash)
                        {
                            throw Mismatch(position, hash);
                        }
                    }

                    await SendAsync(taps, buffer.AsMemory(0, read)).ConfigureAwait(false);
                }
                while (position < _content.Length && taps.Count > 0);
            }

            foreach (var tap in taps)
            {
                await tap.Pipe!.Writer.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            foreach (var tap in taps)
            {
                await tap.Pipe!.Writer.CompleteAsync(e).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Hands one block to every host still reading, waiting while any has too much unread; drops the hosts that left.</summary>
    private async Task SendAsync(List<Share> taps, ReadOnlyMemory<byte> block)
    {
        var flushes = new ValueTask<FlushResult>[taps.Count];
        for (var i = 0; i < taps.Count; i++)
        {
            taps[i].Pipe!.Writer.Write(block.Span);
            flushes[i] = taps[i].Pipe!.Writer.FlushAsync(_cancellationToken);
        }

        var gone = new List<Share>();
        for (var i = 0; i < taps.Count; i++)
        {
            var result = await flushes[i].ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled || Volatile.Read(ref taps[i].Detached))
            {
                gone.Add(taps[i]);
            }
        }

        foreach (var tap in gone)
        {
            taps.Remove(tap);
            await tap.Pipe!.Writer.CompleteAsync(new IOException("This host left the shared read of the cached file.")).ConfigureAwait(false);
        }
    }

    private ContentMismatchException Mismatch(long length, ContentHash? hash)
    {
        var error = new ContentMismatchException(_content, Describe(_content.Hash), length, hash);
        lock (_lock)
        {
            foreach (var share in _shares)
            {
                share.Found(error);
            }
        }

        return error;
    }

    internal enum ShareState
    {
        Waiting,
        Joined,
        Left,
    }

    /// <summary>One host's source: its first read joins the shared one; others read the file on their own.</summary>
    internal sealed class Share : UploadSource
    {
        private readonly CacheFileBroadcast _owner;
        private int _opens;

        internal Share(CacheFileBroadcast owner)
            : base(owner._content, Describe(owner._content.Hash))
        {
            _owner = owner;
        }

        /// <summary>Set when this host leaves while the shared read runs; read by the shared read.</summary>
        internal bool Detached;

        internal ShareState State { get; set; }

        internal Pipe? Pipe { get; set; }

        /// <inheritdoc/>
        public override ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Interlocked.Increment(ref _opens) == 1 && _owner.TryJoin(this, out var pipe))
            {
                return ValueTask.FromResult(pipe.Reader.AsStream());
            }

            // A retry, or too late to join: leave the shared read (if in it) and read on its own.
            _owner.Leave(this);
            _owner._opened();
            return ValueTask.FromResult(OpenVerifiedFile(_owner._path));
        }

        /// <summary>The host's upload is over (whatever its outcome): the shared read no longer waits for it.</summary>
        internal void Done() => _owner.Leave(this);

        /// <inheritdoc/>
        internal override void WillWait() => _owner.Leave(this);

        internal void Found(ContentMismatchException error) => OnMismatch(error);
    }
}
