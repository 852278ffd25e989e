using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace CloudManager.IO;

/// <summary>Writes that survive a power cut: temp name, flush, rename, flush the folder.</summary>
internal static class DurableFile
{
    /// <summary>Transfer buffer: large enough for sequential throughput, small enough to keep memory flat.</summary>
    internal const int BufferSize = 1 << 20;

    /// <summary>
    /// Creates a new file for writing, unbuffered so that large sequential writes go straight down.
    /// </summary>
    internal static FileStream CreateNew(string path, long expectedLength = 0)
    {
        try
        {
            return new(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                Options = FileOptions.Asynchronous,
                PreallocationSize = expectedLength > 0 ? expectedLength : 0,
            });
        }
        catch (IOException e) when (expectedLength > 0 && e.HResult != NoSpaceErrno && !OperatingSystem.IsWindows() && Path.GetDirectoryName(path) is { } folder
            && new DriveInfo(folder).AvailableFreeSpace < expectedLength)
        {
            // A failed preallocation carries no errno; give it the one a failed write would have (ENOSPC).
            throw new IOException(e.Message, NoSpaceErrno);
        }
    }

    private const int NoSpaceErrno = 28;

    /// <summary>Files from this size on are written past the page cache where the system allows (see <see cref="DirectWriteStream"/>).</summary>
    internal const long DirectWriteThreshold = 8 << 20;

    /// <summary>
    /// Creates a new file for a write of about <paramref name="expectedLength"/> bytes: with direct
    /// I/O from <see cref="DirectWriteThreshold"/> on where the file system takes it, else as
    /// <see cref="CreateNew"/>. Finish it with <see cref="FlushToDiskAsync"/>.
    /// </summary>
    internal static Stream CreateForWrite(string path, long expectedLength) =>
        expectedLength >= DirectWriteThreshold && DirectWriteStream.TryCreateNew(path, expectedLength) is { } direct
            ? direct
            : CreateNew(path, expectedLength);

    /// <summary>Writes out and flushes to the disk a file made by <see cref="CreateForWrite"/> or <see cref="CreateNew"/>.</summary>
    internal static Task FlushToDiskAsync(Stream stream, CancellationToken cancellationToken)
    {
        switch (stream)
        {
            case DirectWriteStream direct:
                return direct.CompleteAsync(cancellationToken);
            case FileStream file:
                FlushToDisk(file);
                return Task.CompletedTask;
            case FanOutWriteStream fanOut:
                return fanOut.ForEachAsync(output => FlushToDiskAsync(output, cancellationToken));
            default:
                throw new ArgumentException($"A {stream.GetType().Name} is not a file this class created.", nameof(stream));
        }
    }


    /// <summary>
    /// Opens a cached file for reading. On Linux it is opened directly, without the advisory shared
    /// lock <see cref="FileStream"/> takes on open and releases on close: nothing in the pool waits
    /// on a reader's lock, and a server opening the same small files thousands of times a second
    /// pays for every system call. Files over <see cref="SequentialHintSize"/> still get the
    /// sequential read-ahead hint.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file is not there.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder is not there.</exception>
    internal static FileStream OpenCachedRead(string path, long expectedSize)
    {
        if (!OperatingSystem.IsLinux())
        {
            return OpenSequentialRead(path);
        }

        const int ReadOnly = 0, CloseOnExec = 0x80000, NoSuchFile = 2, NotADirectory = 20, Sequential = 2;
        var fd = NativeMethods.Open(path, ReadOnly | CloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                NoSuchFile => new FileNotFoundException($"The cached file '{path}' is not there.", path),
                NotADirectory => new DirectoryNotFoundException($"The folder of the cached file '{path}' is not there."),
                _ => new IOException($"Cannot open the cached file '{path}' (errno {errno}).", errno),
            };
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (expectedSize > SequentialHintSize)
            {
                // Advice only: a refusal changes nothing but the read-ahead.
                _ = NativeMethods.PosixFadvise(handle, 0, 0, Sequential);
            }

            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Above this size a cached file is read with the sequential read-ahead hint.</summary>
    internal const long SequentialHintSize = 1 << 20;

    /// <summary>Opens a file for one sequential read.</summary>
    internal static FileStream OpenSequentialRead(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> while hashing it in one
    /// pass (see <see cref="PipeAsync"/>). Stops with an error as soon as more than
    /// <paramref name="maxLength"/> bytes arrive.
    /// </summary>
    /// <returns>The SHA-256 and length of what was copied; null hash when the limit was passed.</returns>
    internal static async Task<(ContentHash? Hash, long Length)> CopyAndHashAsync(
        Stream source, Stream destination, long maxLength, CancellationToken cancellationToken, IProgress<long>? progress = null)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var total = await PipeAsync(source, destination, maxLength, sha, progress, cancellationToken).ConfigureAwait(false);
        if (total > maxLength)
        {
            return (null, total);
        }

        Span<byte> digest = stackalloc byte[ContentHash.ByteLength];
        sha.GetHashAndReset(digest);
        return (ContentHash.FromBytes(digest), total);
    }

    /// <summary>Copies a whole stream (see <see cref="PipeAsync"/>), reporting the bytes copied so far after every block.</summary>
    internal static Task CopyAsync(Stream source, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken) =>
        source is IBlockLendingStream lending
            ? CopyLentAsync(lending, destination, progress, cancellationToken)
            : PipeAsync(source, destination, long.MaxValue, sha: null, progress, cancellationToken);

    /// <summary>
    /// The copy loop of a stream that lends its blocks (a sync's shared read of a cached file): each
    /// block is written from where it is, with no copy into a buffer of this loop first.
    /// </summary>
    private static async Task CopyLentAsync(IBlockLendingStream source, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            var block = await source.LendNextAsync(cancellationToken).ConfigureAwait(false);
            if (block.IsEmpty)
            {
                return;
            }

            // The block stays lent until the next call: the write is done with it by then.
            await destination.WriteAsync(block, cancellationToken).ConfigureAwait(false);
            total += block.Length;
            progress?.Report(total);
        }
    }

    /// <summary>
    /// The copy loop: while block n is written and hashed at the same time (the write runs on the
    /// thread pool, the hash on this thread), block n+1 is being read. Writing a block into the page
    /// cache costs about as much processor time as hashing it, so doing the two one after the other
    /// took the sum of both; side by side it takes the longer one.
    /// </summary>
    /// <returns>The bytes copied; more than <paramref name="maxLength"/> when the copy stopped at the limit.</returns>
    private static async Task<long> PipeAsync(
        Stream source, Stream destination, long maxLength, IncrementalHash? sha, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // Pooled: small files are the common case and must not cost two fresh megabytes each.
        var first = ArrayPool<byte>.Shared.Rent(BufferSize);
        var second = ArrayPool<byte>.Shared.Rent(BufferSize);
        Task<int>? nextRead = null;
        long total = 0;
        try
        {
            var current = first;
            var read = await ReadBlockAsync(source, current, cancellationToken).ConfigureAwait(false);
            while (read > 0)
            {
                total += read;
                if (total > maxLength)
                {
                    return total;
                }

                var next = ReferenceEquals(current, first) ? second : first;
                nextRead = ReadBlockAsync(source, next, cancellationToken);
                var write = destination.WriteAsync(current.AsMemory(0, read), cancellationToken).AsTask();
                try
                {
                    sha?.AppendData(current, 0, read);
                }
                finally
                {
                    // The buffer is read again next round: the write must be done with it, whatever happened here.
                    await write.ConfigureAwait(false);
                }

                progress?.Report(total);
                read = await nextRead.ConfigureAwait(false);
                nextRead = null;
                current = next;
            }

            return total;
        }
        finally
        {
            if (nextRead is not null)
            {
                // Let the overlapped read finish before its buffer goes back to the pool.
                await Task.WhenAny(nextRead).ConfigureAwait(false);
            }

            ArrayPool<byte>.Shared.Return(first);
            ArrayPool<byte>.Shared.Return(second);
        }
    }

    /// <summary>Reads a whole block: a network stream hands out a few KiB per read, and every block costs a write call.</summary>
    private static Task<int> ReadBlockAsync(Stream source, byte[] buffer, CancellationToken cancellationToken) =>
        source.ReadAtLeastAsync(buffer.AsMemory(0, BufferSize), BufferSize, throwOnEndOfStream: false, cancellationToken).AsTask();

    /// <summary>Flushes a file's data and metadata to the disk.</summary>
    internal static void FlushToDisk(FileStream stream) => stream.Flush(flushToDisk: true);

    /// <summary>
    /// Renames a complete, flushed temp file to its final name (replacing any file there) and flushes
    /// the folder so that the rename itself survives a power cut.
    /// </summary>
    internal static void MoveIntoPlace(string tempPath, string finalPath)
    {
        File.Move(tempPath, finalPath, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(finalPath)!);
    }

    /// <summary>
    /// Gives a complete, flushed temp file a final name only if that name is free, atomically: a hard
    /// link on Unix (a rename without replacement where the file system has no hard links, and on
    /// Windows). Returns false, leaving the existing file alone, when the name is taken. The temp file
    /// remains; the caller deletes it.
    /// </summary>
    internal static bool TryPlaceExclusive(string tempPath, string finalPath)
    {
        const int AlreadyExists = 17;
        const int NotPermitted = 1;
        const int NotSupported = 95;
        if (!OperatingSystem.IsWindows())
        {
            if (NativeMethods.Link(tempPath, finalPath) == 0)
            {
                FlushDirectory(Path.GetDirectoryName(finalPath)!);
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == AlreadyExists)
            {
                return false;
            }

            if (errno is not NotPermitted and not NotSupported)
            {
                throw NativeMethods.ErrorFor("create", finalPath, errno);
            }
        }

        try
        {
            File.Move(tempPath, finalPath, overwrite: false);
        }
        catch (IOException) when (Path.Exists(finalPath))
        {
            return false;
        }

        FlushDirectory(Path.GetDirectoryName(finalPath)!);
        return true;
    }

    /// <summary>Flushes a folder's entries to the disk (a no-op where the system does not support it).</summary>
    internal static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            // NTFS journals metadata; there is no portable way to fsync a directory handle there.
            return;
        }

        FlushPath(directory, "folder");
    }

    /// <summary>
    /// Flushes a closed file's data and metadata to the disk by its path. A flush applies to the file,
    /// not to the handle that wrote it, so the writer may be closed first; opening it bare (no share
    /// lock, no buffering) is what keeps this cheap for a batch of small files.
    /// </summary>
    internal static void FlushFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            FlushToDisk(stream);
            return;
        }

        FlushPath(path, "file");
    }

    private static void FlushPath(string path, string what)
    {
        var fd = NativeMethods.Open(path, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open {what} '{path}' to flush it (errno {errno}).", errno);
        }

        try
        {
            if (NativeMethods.Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"Cannot flush {what} '{path}' to disk (errno {errno}).", errno);
            }
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    /// <summary>Deletes a file if it exists, ignoring a file that is already gone.</summary>
    internal static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
