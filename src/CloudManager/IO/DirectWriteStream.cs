using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CloudManager.IO;

/// <summary>
/// A new file written with direct I/O (Linux <c>O_DIRECT</c>): the bytes go from this stream's
/// aligned blocks to the disk without passing through the page cache. Writes of any size are
/// gathered into 4 MiB blocks; up to two blocks are on their way to the disk while the next fills.
/// <see cref="CompleteAsync"/> writes the tail, cuts the file to its exact length and flushes it.
/// </summary>
/// <remarks>
/// A buffered write of a large file spends most of its processor time copying every block into
/// freshly allocated page-cache pages (<c>copy_folio_from_iter_atomic</c> was 70 % of the samples of
/// a sync to three folder hosts), and the flush at the end then writes them all again from there.
/// Written directly, a file costs the disk's time and one copy into an aligned block. A file system
/// that refuses direct I/O at the open gets no stream (<see cref="TryCreateNew"/> returns null); one
/// that accepts the open but refuses the first write gets the same aligned writes without
/// <c>O_DIRECT</c>.
/// </remarks>
internal sealed class DirectWriteStream : Stream
{
    /// <summary>Alignment direct I/O needs of buffers, offsets and lengths: the largest logical block size in use.</summary>
    private const int Alignment = 4096;

    /// <summary>
    /// Block size: large requests keep the disk busy with few calls. 4 MiB wrote a 1 GiB upload in a
    /// median 1.57 s against 2.10 s with 2 MiB, and a sync to three hosts in 3.6 s against 4.6 s (4
    /// rounds alternating, bench/RESULTS.md, seventh round); each block is memory held per file written.
    /// </summary>
    private const int BlockSize = 4 << 20;

    /// <summary>
    /// Blocks sent and not yet written: with two, the disk has the next request queued when one ends,
    /// instead of idling until this process is scheduled again to send it (which takes long on a busy machine).
    /// </summary>
    private const int MaxInFlight = 2;

    private const int InvalidArgument = 22;
    private const int NoSpace = 28;
    private const int OpenDirect = 0x4000;

    private readonly SafeFileHandle _handle;
    private readonly string _path;
    private readonly Queue<(AlignedBlock Block, Task Write)> _inFlight = new();
    private AlignedBlock _filling = new();
    private int _filled;
    private long _submitted;
    private long _length;
    private bool _firstWriteDone;
    private bool _completed;

    private DirectWriteStream(SafeFileHandle handle, string path)
    {
        _handle = handle;
        _path = path;
    }

    /// <summary>
    /// Creates <paramref name="path"/> (it must not exist) for direct writes, holding an exclusive
    /// lock on it as a <see cref="FileShare.None"/> stream does, and reserves
    /// <paramref name="expectedLength"/> bytes so that a full disk shows at once.
    /// </summary>
    /// <returns>Null where direct I/O is not available (not Linux, or the file system refuses it); nothing is created then.</returns>
    /// <exception cref="UnauthorizedAccessException">The folder may not be written.</exception>
    /// <exception cref="IOException">The file exists, the disk is full (<see cref="Exception.HResult"/> 28), or another error of the file system.</exception>
    internal static DirectWriteStream? TryCreateNew(string path, long expectedLength)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        const int WriteOnly = 0x1, Create = 0x40, Exclusive = 0x80, CloseOnExec = 0x80000;
        const int LockExclusive = 2, LockNonBlocking = 4, KeepSize = 1;
        var fd = NativeMethods.Open(path, WriteOnly | Create | Exclusive | OpenDirect | CloseOnExec, Convert.ToInt32("666", 8));
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == InvalidArgument ? null : throw NativeMethods.ErrorFor("create", path, errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (NativeMethods.Flock(handle, LockExclusive | LockNonBlocking) != 0)
            {
                throw NativeMethods.ErrorFor("lock", path, Marshal.GetLastPInvokeError());
            }

            if (expectedLength > 0 && NativeMethods.Fallocate(handle, KeepSize, 0, expectedLength) != 0
                && Marshal.GetLastPInvokeError() is var errno && errno == NoSpace)
            {
                // Other refusals (a file system without fallocate) only lose the early warning.
                throw new IOException($"Cannot reserve {expectedLength} bytes for '{path}': no space left on the device.", NoSpace);
            }

            return new DirectWriteStream(handle, path);
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

        _inFlight.Enqueue((block, RandomAccess.WriteAsync(_handle, block.Memory[..count], offset, cancellationToken).AsTask()));
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
            throw NativeMethods.ErrorFor(what, _path, errno);
        }
    }

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
