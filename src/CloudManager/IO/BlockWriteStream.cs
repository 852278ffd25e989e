using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CloudManager.IO;

/// <summary>
/// A new large file written in aligned 2 MiB blocks, up to two of them on their way to the disk
/// while the next fills, so that the disk works while the file is still being produced (hashed,
/// fetched). Two modes: <em>direct</em> (Linux <c>O_DIRECT</c>: the bytes go from the block to the
/// disk without passing through the page cache) for copies nobody reads soon, and <em>buffered with
/// paced writeback</em> for files that are read again (the cache): each block's writeback is started
/// as soon as it is written, and the writer waits for the block 16 MiB behind. Either way
/// <see cref="CompleteAsync"/> writes the tail, cuts the file to its exact length and flushes it.
/// </summary>
/// <remarks>
/// A plain buffered write leaves the whole file dirty in the page cache, and the flush at the end then
/// waits for all of it, after the hash or the fetch has ended: a 1 GiB upload took the hash's time
/// plus the disk's. Here the two overlap. A file system that refuses direct I/O at the open gets no
/// stream (<see cref="TryCreateNew"/> returns null); one that accepts the open but refuses the first
/// direct write goes on in the buffered mode.
/// </remarks>
internal sealed class BlockWriteStream : Stream
{
    /// <summary>Alignment direct I/O needs of buffers, offsets and lengths: the largest logical block size in use.</summary>
    private const int Alignment = 4096;

    /// <summary>Block size: large requests keep the disk busy with few calls.</summary>
    private const int BlockSize = 2 << 20;

    /// <summary>
    /// Blocks sent and not yet written: with two, the disk has the next request queued when one ends,
    /// instead of idling until this process is scheduled again to send it (which takes long on a busy machine).
    /// </summary>
    private const int MaxInFlight = 2;

    private const int InvalidArgument = 22;
    private const int NoSpace = 28;
    private const int OpenDirect = 0x4000;

    /// <summary>How far behind the newest block the writer waits for the disk in the buffered mode: bounds the dirty pages.</summary>
    private const long WritebackLag = 8L * BlockSize;

    private readonly SafeFileHandle _handle;
    private readonly string _path;
    private readonly Queue<(AlignedBlock Block, Task Write)> _inFlight = new();
    private AlignedBlock _filling = new();
    private int _filled;
    private long _submitted;
    private long _length;
    private bool _firstWriteDone;
    private bool _writeback;
    private bool _completed;

    private BlockWriteStream(SafeFileHandle handle, string path)
    {
        _handle = handle;
        _path = path;
    }

    /// <summary>
    /// Creates <paramref name="path"/> (it must not exist) for block writes, holding an exclusive
    /// lock on it as a <see cref="FileShare.None"/> stream does, and reserves
    /// <paramref name="expectedLength"/> bytes so that a full disk shows at once.
    /// </summary>
    /// <param name="path">The new file.</param>
    /// <param name="expectedLength">The bytes to reserve; 0 for none.</param>
    /// <param name="direct">Direct I/O (a copy not read again soon) rather than buffered with paced writeback (a cached file).</param>
    /// <returns>Null where this stream is not available (not Linux, or direct I/O asked for and refused); nothing is created then.</returns>
    /// <exception cref="UnauthorizedAccessException">The folder may not be written.</exception>
    /// <exception cref="IOException">The file exists, the disk is full (<see cref="Exception.HResult"/> 28), or another error of the file system.</exception>
    internal static BlockWriteStream? TryCreateNew(string path, long expectedLength, bool direct)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        const int WriteOnly = 0x1, Create = 0x40, Exclusive = 0x80, CloseOnExec = 0x80000;
        const int LockExclusive = 2, LockNonBlocking = 4, KeepSize = 1;
        var fd = NativeMethods.Open(path, WriteOnly | Create | Exclusive | (direct ? OpenDirect : 0) | CloseOnExec, Convert.ToInt32("666", 8));
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == InvalidArgument ? null : throw ErrorFor(errno, $"Cannot create '{path}'");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (NativeMethods.Flock(handle, LockExclusive | LockNonBlocking) != 0)
            {
                throw ErrorFor(Marshal.GetLastPInvokeError(), $"Cannot lock '{path}'");
            }

            if (expectedLength > 0 && NativeMethods.Fallocate(handle, KeepSize, 0, expectedLength) != 0
                && Marshal.GetLastPInvokeError() is var errno && errno == NoSpace)
            {
                // Other refusals (a file system without fallocate) only lose the early warning.
                throw new IOException($"Cannot reserve {expectedLength} bytes for '{path}': no space left on the device.", NoSpace);
            }

            return new BlockWriteStream(handle, path) { _writeback = !direct };
        }
        catch
        {
            handle.Dispose();
            DurableFile.DeleteQuietly(path);
            throw;
        }
    }

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => !_completed;

    /// <summary>The bytes written so far.</summary>
    public override long Length => _length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (!buffer.IsEmpty)
        {
            var count = Math.Min(BlockSize - _filled, buffer.Length);
            buffer.Span[..count].CopyTo(_filling.Memory.Span[_filled..]);
            _filled += count;
            _length += count;
            buffer = buffer[count..];
            if (_filled == BlockSize)
            {
                await SubmitAsync(BlockSize, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Writes what is left, cuts the file to the bytes written (the last block goes down padded to the
    /// alignment) and flushes its data and metadata to the disk. Nothing may be written afterwards.
    /// </summary>
    internal async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_filled > 0)
        {
            var padded = (_filled + Alignment - 1) / Alignment * Alignment;
            _filling.Memory.Span[_filled..padded].Clear();
            await SubmitAsync(padded, cancellationToken).ConfigureAwait(false);
        }

        while (_inFlight.Count > 0)
        {
            await _inFlight.Dequeue().Write.ConfigureAwait(false);
        }

        _completed = true;
        Check(NativeMethods.Ftruncate(_handle, _length), "cut");
        Check(NativeMethods.Fsync(_handle), "flush");
    }

    /// <summary>Sends the filled block (the first one is written before going on) and takes another to fill: a new one while fewer than <see cref="MaxInFlight"/> are out, else the oldest once written.</summary>
    private async Task SubmitAsync(int count, CancellationToken cancellationToken)
    {
        var block = _filling;
        var offset = _submitted;
        _submitted += count;
        _filled = 0;
        if (!_firstWriteDone)
        {
            // The first write tells whether the file system takes direct I/O: wait for it here.
            await WriteFirstAsync(block.Memory[..count], cancellationToken).ConfigureAwait(false);
            _firstWriteDone = true;
            return;
        }

        _inFlight.Enqueue((block, WriteBlockAsync(block.Memory[..count], offset, cancellationToken)));
        if (_inFlight.Count <= MaxInFlight)
        {
            _filling = new AlignedBlock();
        }
        else
        {
            var (oldest, write) = _inFlight.Dequeue();
            await write.ConfigureAwait(false);
            _filling = oldest;
        }
    }

    private async Task WriteBlockAsync(ReadOnlyMemory<byte> block, long offset, CancellationToken cancellationToken)
    {
        await RandomAccess.WriteAsync(_handle, block, offset, cancellationToken).ConfigureAwait(false);
        if (_writeback)
        {
            StartWriteback(offset, block.Length);
        }
    }

    /// <summary>
    /// Buffered mode: starts the disk writing the block just written, and waits for the block
    /// <see cref="WritebackLag"/> behind it, so that the disk works while the file is still being
    /// produced and the final flush finds little left (advice only: the flush catches any error).
    /// </summary>
    private void StartWriteback(long offset, int length)
    {
        const uint WaitBefore = 1, Write = 2, WaitAfter = 4;
        _ = NativeMethods.SyncFileRange(_handle, offset, length, Write);
        if (offset >= WritebackLag)
        {
            _ = NativeMethods.SyncFileRange(_handle, offset - WritebackLag, BlockSize, WaitBefore | Write | WaitAfter);
        }
    }

    private async Task WriteFirstAsync(ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        try
        {
            await RandomAccess.WriteAsync(_handle, block, 0, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (e.HResult == InvalidArgument)
        {
            // Opened but not written directly (some network and user-space file systems): go on through the page cache.
            const int GetFlags = 3, SetFlags = 4;
            var flags = NativeMethods.Fcntl(_handle, GetFlags, 0);
            Check(flags < 0 ? -1 : NativeMethods.Fcntl(_handle, SetFlags, flags & ~OpenDirect), "write");
            _writeback = true;
            await RandomAccess.WriteAsync(_handle, block, 0, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        // Blocks go down as they fill; the tail and the flush to disk are CompleteAsync's.
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        // The blocks in flight still read their buffers: let them end (their errors no longer matter).
        await Task.WhenAny(Task.WhenAll(_inFlight.Select(w => w.Write))).ConfigureAwait(false);
        Dispose();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                Task.WaitAll(_inFlight.Select(w => w.Write));
            }
            catch (AggregateException)
            {
                // Reported by CompleteAsync already, or of no use for a file being abandoned.
            }

            _inFlight.Clear();
            _completed = true;
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Check(int result, string what)
    {
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw ErrorFor(errno, $"Cannot {what} '{_path}'");
        }
    }

    /// <summary>The exception a <see cref="FileStream"/> would throw for the same error number.</summary>
    private static Exception ErrorFor(int errno, string what) => errno switch
    {
        1 or 13 => new UnauthorizedAccessException($"{what}: permission denied."),
        2 => new DirectoryNotFoundException($"{what}: its folder does not exist."),
        _ => new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno),
    };

    /// <summary>A pinned block aligned for direct I/O (pinned arrays never move, so the aligned slice stays aligned).</summary>
    private sealed class AlignedBlock
    {
        internal AlignedBlock()
        {
            var array = GC.AllocateUninitializedArray<byte>(BlockSize + Alignment, pinned: true);
            var misalignment = (int)((nint)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0) % Alignment);
            Memory = array.AsMemory(misalignment == 0 ? 0 : Alignment - misalignment, BlockSize);
        }

        internal Memory<byte> Memory { get; }
    }
}
