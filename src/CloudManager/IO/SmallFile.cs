using System.Runtime.InteropServices;

namespace CloudManager.IO;

/// <summary>
/// Reads and writes whole small files with as few system calls as the system allows. On Linux a
/// read is open, read, close and a write is open (create, exclusive), write, start of writeback,
/// close: no share lock, no status calls, no buffering layer. A batch of thousands of small files
/// spent more time in a file stream's extra calls than in the copies themselves. Elsewhere the
/// usual file streams are used.
/// </summary>
internal static class SmallFile
{
    private const int ReadOnly = 0;
    private const int WriteOnly = 1;
    private const int Create = 0x40;
    private const int Exclusive = 0x80;
    private const int CloseOnExec = 0x80000;

    /// <summary>Read and write for everyone, less the process's umask, as a file stream creates files.</summary>
    private const int CreateMode = 0x1B6;

    private const int Interrupted = 4;
    private const uint SyncFileRangeWrite = 2;

    /// <summary>Reads up to <paramref name="buffer"/>'s length from the start of a file.</summary>
    /// <returns>The bytes read: fewer than the buffer holds only at the end of the file.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="IOException">The read failed.</exception>
    internal static int Read(string path, Span<byte> buffer)
    {
        if (!OperatingSystem.IsLinux())
        {
            using var input = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            var total = 0;
            int n;
            while (total < buffer.Length && (n = RandomAccess.Read(input, buffer[total..], total)) > 0)
            {
                total += n;
            }

            return total;
        }

        var fd = NativeMethods.Open(path, ReadOnly | CloseOnExec);
        if (fd < 0)
        {
            throw Failure("open", path, Marshal.GetLastPInvokeError());
        }

        try
        {
            var read = 0;
            while (read < buffer.Length)
            {
                var n = NativeMethods.Read(fd, buffer[read..], (nuint)(buffer.Length - read));
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Interrupted)
                    {
                        continue;
                    }

                    throw Failure("read", path, errno);
                }

                if (n == 0)
                {
                    break;
                }

                read += (int)n;
            }

            return read;
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    /// <summary>
    /// Creates a file that must not exist yet and writes <paramref name="content"/> to it; not flushed.
    /// With <paramref name="startWriteback"/>, on Linux, also starts writing it to the disk without
    /// waiting (<c>sync_file_range</c>): started for every file of a batch that is then flushed file by
    /// file, the writes go down together and each flush finds its file on its way. A batch flushed by
    /// one flush of the whole file system leaves it to that flush, which writes all the batch's files
    /// in a few large requests instead of one small request (and one doorbell of a virtual disk) per file.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The folder may not be written.</exception>
    /// <exception cref="IOException">The file exists, or the write failed (its HResult is the errno, as for a file stream).</exception>
    internal static void WriteNew(string path, ReadOnlySpan<byte> content, bool startWriteback = true)
    {
        if (!OperatingSystem.IsLinux())
        {
            using var output = DurableFile.CreateNew(path);
            output.Write(content);
            return;
        }

        var fd = NativeMethods.Open(path, WriteOnly | Create | Exclusive | CloseOnExec, CreateMode);
        if (fd < 0)
        {
            throw Failure("create", path, Marshal.GetLastPInvokeError());
        }

        var closed = false;
        try
        {
            var written = 0;
            while (written < content.Length)
            {
                var n = NativeMethods.Write(fd, content[written..], (nuint)(content.Length - written));
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Interrupted)
                    {
                        continue;
                    }

                    throw Failure("write", path, errno);
                }

                written += (int)n;
            }

            if (startWriteback)
            {
                // Advisory: a file system that refuses it still gets the real flush afterwards.
                _ = NativeMethods.SyncFileRange(fd, 0, 0, SyncFileRangeWrite);
            }

            closed = true;
            if (NativeMethods.Close(fd) != 0)
            {
                // Some file systems report a failed delayed allocation only here.
                throw Failure("close", path, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            if (!closed)
            {
                _ = NativeMethods.Close(fd);
            }
        }
    }

    private static Exception Failure(string what, string path, int errno) => NativeMethods.ErrorFor(what, path, errno);
}
