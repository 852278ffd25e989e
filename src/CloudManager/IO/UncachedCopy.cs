using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CloudManager.IO;

/// <summary>
/// Copies a file into a new file with direct I/O (Linux <c>O_DIRECT</c>): the bytes go from this
/// process's buffer to the disk without passing through the page cache, then the file is flushed.
/// </summary>
/// <remarks>
/// A buffered write of a large file spends most of its processor time copying every block into
/// freshly allocated page-cache pages (<c>copy_folio_from_iter_atomic</c> was 70 % of the samples of
/// a sync to three folder hosts), and the flush at the end then writes them all. A host's copy is not
/// read again soon, so caching it buys nothing: written directly, it costs the disk's time only. File
/// systems that refuse direct I/O (tmpfs, some network file systems) get the buffered copy instead.
/// </remarks>
internal static class UncachedCopy
{
    /// <summary>Alignment direct I/O needs of buffers, offsets and lengths: the largest logical block size in use.</summary>
    private const int Alignment = 4096;

    /// <summary>Block size: large requests keep the disk busy with few calls; two per copy in flight.</summary>
    private const int BlockSize = 2 << 20;

    private const int InvalidArgument = 22;

    /// <summary>
    /// Copies <paramref name="sourcePath"/> to the new file <paramref name="destinationPath"/> and
    /// flushes it, holding an exclusive lock on it meanwhile (as the buffered copy's
    /// <see cref="FileShare.None"/> does, so that a sweep of abandoned temp files leaves it alone).
    /// </summary>
    /// <returns>False, with nothing created, where direct I/O is not available; then copy the buffered way.</returns>
    internal static async Task<bool> TryCopyAsync(string sourcePath, string destinationPath, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        const int WriteOnly = 0x1, Create = 0x40, Exclusive = 0x80, Direct = 0x4000, CloseOnExec = 0x80000;
        const int LockExclusive = 2, LockNonBlocking = 4;
        var source = DurableFile.OpenSequentialRead(sourcePath);
        await using (source.ConfigureAwait(false))
        {
            var fd = NativeMethods.Open(destinationPath, WriteOnly | Create | Exclusive | Direct | CloseOnExec, Convert.ToInt32("644", 8));
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == InvalidArgument ? false : throw new IOException($"Cannot create '{destinationPath}' (errno {errno}).", errno);
            }

            using var handle = new SafeFileHandle(fd, ownsHandle: true);
            try
            {
                Check(NativeMethods.Flock(handle, LockExclusive | LockNonBlocking), "lock", destinationPath);
                if (!await CopyAsync(source, handle, cancellationToken).ConfigureAwait(false))
                {
                    handle.Dispose();
                    File.Delete(destinationPath);
                    return false;
                }

                Check(NativeMethods.Fsync(handle), "flush", destinationPath);
                return true;
            }
            catch
            {
                handle.Dispose();
                DurableFile.DeleteQuietly(destinationPath);
                throw;
            }
        }
    }

    /// <summary>The copy loop: block n+1 is read while block n is written; the tail is padded to a block and cut back.</summary>
    /// <returns>False when the file system refused the first direct write.</returns>
    private static async Task<bool> CopyAsync(FileStream source, SafeFileHandle destination, CancellationToken cancellationToken)
    {
        var first = new AlignedBuffer();
        var second = new AlignedBuffer();
        Task<int>? nextRead = null;
        long offset = 0;
        try
        {
            var current = first;
            var read = await current.ReadAsync(source, cancellationToken).ConfigureAwait(false);
            while (read > 0)
            {
                var next = ReferenceEquals(current, first) ? second : first;
                nextRead = next.ReadAsync(source, cancellationToken);
                var padded = (read + Alignment - 1) / Alignment * Alignment;
                current.Memory.Span[read..padded].Clear();
                try
                {
                    await RandomAccess.WriteAsync(destination, current.Memory[..padded], offset, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e) when (offset == 0 && e.HResult == InvalidArgument)
                {
                    return false;
                }

                offset += read;
                if (padded != read)
                {
                    // Only the last block is short: cut the padding off.
                    Check(NativeMethods.Ftruncate(destination, offset), "cut", "the copy");
                }

                read = await nextRead.ConfigureAwait(false);
                nextRead = null;
                current = next;
            }

            return true;
        }
        finally
        {
            if (nextRead is not null)
            {
                await Task.WhenAny(nextRead).ConfigureAwait(false);
            }
        }
    }

    private static void Check(int result, string what, string path)
    {
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot {what} '{path}' (errno {errno}).", errno);
        }
    }

    /// <summary>A pinned block aligned for direct I/O (pinned arrays never move, so the aligned slice stays aligned).</summary>
    private sealed class AlignedBuffer
    {
        internal AlignedBuffer()
        {
            var array = GC.AllocateUninitializedArray<byte>(BlockSize + Alignment, pinned: true);
            var misalignment = (int)((nint)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0) % Alignment);
            Memory = array.AsMemory(misalignment == 0 ? 0 : Alignment - misalignment, BlockSize);
        }

        internal Memory<byte> Memory { get; }

        internal Task<int> ReadAsync(Stream source, CancellationToken cancellationToken) =>
            source.ReadAtLeastAsync(Memory, BlockSize, throwOnEndOfStream: false, cancellationToken).AsTask();
    }
}
