using CloudManager.Hosts;

namespace CloudManager.Replication;

/// <summary>
/// One read of a cached file fanned out to the hosts a sync copies it to: the file is read and hashed
/// once, block by block, into a small ring of shared blocks (4 of 1 MiB), and every host reads each
/// block from there. A block is read again only once every host still in the fan-out is done with it,
/// so the slowest host holds the read back (back-pressure) and memory stays at the ring, whatever the
/// number of hosts. The last block is handed out only once the whole file hashes to its SHA-256 and
/// has its length; when it does not, every host's read fails with <see cref="ContentMismatchException"/>
/// instead, and no host, which stores a copy only once it has every byte, stores the damaged bytes.
/// </summary>
/// <remarks>
/// <para>Each host gets a <see cref="Share"/>. Its first read joins the shared one, which starts once
/// every host has joined or left, or <see cref="JoinGrace"/> after the first host joined, whichever
/// comes first: a host that stalls before its first read (it checks a copy already there, it waits for
/// a connection) holds the others back that long at most. A host leaves when its upload ends, when it
/// disposes its stream, when it reads again (a retry: that read, like a read that comes after the
/// shared one started, reads the file on its own, verified the same way), and when it has to wait for
/// a transfer slot (two syncs could otherwise each hold the slot the other's shared read waits for).
/// A host that leaves is dropped from the fan-out and no longer holds the others back; its later reads
/// of the shared stream fail.</para>
/// <para>Each host's stream copies a block into the caller's buffer (one copy), or, read by
/// <see cref="IO.DurableFile.CopyAsync"/> (a directory host), lends the block itself
/// (<see cref="IO.IBlockLendingStream"/>), which is then written from the ring with no copy of ours.
/// A block lent or being copied is never refilled: a host leaving meanwhile leaves once it is done
/// with the block.</para>
/// </remarks>
internal sealed partial class CacheFileBroadcast
{
    /// <summary>How long the shared read waits, after the first host joined it, for the others to join or leave.</summary>
    internal static readonly TimeSpan JoinGrace = TimeSpan.FromSeconds(5);

    private const int DefaultBlockSize = 1 << 20;
    private const int DefaultRingBlocks = 4;

    private readonly object _lock = new();
    private readonly List<Share> _shares = [];
    private readonly string _path;
    private readonly ContentRef _content;
    private readonly Action _opened;
    private readonly TimeProvider _time;
    private readonly CancellationToken _cancellationToken;
    private readonly int _blockSize;
    private readonly int _ringBlocks;
    private bool _started;
    private ITimer? _graceTimer;

    /// <param name="path">The cached file.</param>
    /// <param name="content">What it must hold.</param>
    /// <param name="opened">Called each time the cached file is opened for reading (the shared read or a host's own).</param>
    /// <param name="time">The clock of <see cref="JoinGrace"/>.</param>
    /// <param name="cancellationToken">Stops the shared read (the sync's token).</param>
    /// <param name="blockSize">The size of a shared block (tests use small ones).</param>
    /// <param name="ringBlocks">How many blocks the ring holds: how far the read may run ahead of the slowest host.</param>
    internal CacheFileBroadcast(
        string path,
        ContentRef content,
        Action opened,
        TimeProvider time,
        CancellationToken cancellationToken,
        int blockSize = DefaultBlockSize,
        int ringBlocks = DefaultRingBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ringBlocks, 1);
        _path = path;
        _content = content;
        _opened = opened;
        _time = time;
        _cancellationToken = cancellationToken;
        _blockSize = blockSize;
        _ringBlocks = ringBlocks;
    }

    /// <summary>How errors name the cached copy of a file.</summary>
    internal static string Describe(ContentHash hash) => $"the cached copy of {hash}";

    /// <summary>A source for one more host; add every host of a round before any of their uploads starts.</summary>
    internal Share AddHost()
    {
        var share = new Share(this);
        lock (_lock)
        {
            _shares.Add(share);
        }

        return share;
    }

    /// <summary>The first read of a host: joins the shared read unless it has started.</summary>
    private bool TryJoin(Share share)
    {
        lock (_lock)
        {
            if (_started || share.State != ShareState.Waiting)
            {
                return false;
            }

            share.State = ShareState.Joined;
            share.InFanOut = true;
            if (!StartIfReady())
            {
                _graceTimer ??= _time.CreateTimer(_ => StartWithoutLateHosts(), null, JoinGrace, Timeout.InfiniteTimeSpan);
            }

            return true;
        }
    }

    /// <summary>A host is done with the shared read (whatever the reason): it no longer holds the others back.</summary>
    private void Leave(Share share)
    {
        lock (_lock)
        {
            if (share.State == ShareState.Joined)
            {
                if (share.Busy)
                {
                    // Its stream still copies from (or lent) a block: the block is not refilled before it is done.
                    share.LeaveWhenIdle = true;
                }
                else
                {
                    share.InFanOut = false;
                }
            }

            share.State = ShareState.Left;
            StartIfReady();
            WakeReader();
        }
    }

    /// <summary>Starts the shared read once no host is still to join. Under the lock.</summary>
    private bool StartIfReady()
    {
        if (_started)
        {
            return true;
        }

        foreach (var share in _shares)
        {
            if (share.State == ShareState.Waiting)
            {
                return false;
            }
        }

        Start();
        return true;
    }

    /// <summary>The grace after the first join is over: hosts that have not joined yet will read on their own.</summary>
    private void StartWithoutLateHosts()
    {
        lock (_lock)
        {
            if (!_started)
            {
                Start();
            }
        }
    }

    /// <summary>Under the lock.</summary>
    private void Start()
    {
        _started = true;
        _graceTimer?.Dispose();
        _graceTimer = null;
        if (_shares.Exists(s => s.InFanOut))
        {
            AllocateRing();
            _ = Task.Run(ReadAndPublishAsync, CancellationToken.None);
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

        /// <summary>Where this host is in the shared read. Under the owner's lock, as are the fields below.</summary>
        internal ShareState State { get; set; }

        /// <summary>Counted by the shared read: a block is refilled only once every share in the fan-out is past it.</summary>
        internal bool InFanOut { get; set; }

        /// <summary>The number of the block this host reads now (it is done with every block before).</summary>
        internal long Next { get; set; }

        /// <summary>Its stream copies from, or lent, block <see cref="Next"/> right now.</summary>
        internal bool Busy { get; set; }

        /// <summary>It left while busy: it leaves the fan-out once it is done with the block.</summary>
        internal bool LeaveWhenIdle { get; set; }

        /// <inheritdoc/>
        public override ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Interlocked.Increment(ref _opens) == 1 && _owner.TryJoin(this))
            {
                return ValueTask.FromResult<Stream>(new SharedBlockStream(_owner, this));
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
