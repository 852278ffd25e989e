using System.Runtime.InteropServices;

namespace CloudManager.IO;

/// <summary>
/// Makes a batch of new files in one folder tree durable: first their bytes, then the folders their
/// names were moved into. Begun before the batch's first write, disposed after its last flush.
/// </summary>
internal interface IBatchFlush : IDisposable
{
    /// <summary>Whether one flush of the whole file system stands for the flushes of each file and folder.</summary>
    bool FlushesFileSystem { get; }

    /// <summary>Flushes the data and metadata of files written (and closed) since the flush began.</summary>
    /// <param name="paths">The files, by path.</param>
    /// <param name="failed">Called with the index of each file whose flush failed (every file, when the
    /// failure cannot be told apart), and the error; the other files are flushed.</param>
    /// <param name="cancellationToken">Cancels the flushes not yet started.</param>
    Task FlushFilesAsync(IReadOnlyList<string> paths, Action<int, IOException> failed, CancellationToken cancellationToken);

    /// <summary>Flushes the entries of folders changed since the flush began (renames, new subfolders).</summary>
    /// <exception cref="IOException">A flush failed: the entries may not be on the disk.</exception>
    Task FlushFoldersAsync(IReadOnlyList<string> folders);
}

/// <summary>Chooses how a batch of files in a cache folder is made durable.</summary>
internal static class BatchFlush
{
    /// <summary>
    /// Begins the flush of a batch whose files are written in <paramref name="root"/> and renamed on
    /// the same file system. Call before the batch's first write: see <see cref="FileSystemFlush"/>.
    /// </summary>
    /// <param name="root">The folder the batch's files are written in.</param>
    /// <param name="wholeFileSystem">False to flush each file and folder even where one flush of the file system would do.</param>
    internal static IBatchFlush Begin(string root, bool wholeFileSystem = true) =>
        wholeFileSystem && FileSystemFlush.TryBegin(root) is { } flush ? flush : new PerFileFlush();
}

/// <summary>Flushes each file (<c>fsync</c>, several at a time) and each folder: works everywhere.</summary>
internal sealed class PerFileFlush : IBatchFlush
{
    public bool FlushesFileSystem => false;

    public Task FlushFilesAsync(IReadOnlyList<string> paths, Action<int, IOException> failed, CancellationToken cancellationToken) =>
        DiskThreads.RunAsync(paths.Count, i =>
        {
            try
            {
                DurableFile.FlushFile(paths[i]);
            }
            catch (IOException e)
            {
                failed(i, e);
            }
        }, cancellationToken);

    // From here the files are in place: finish even if the caller gives up now.
    public Task FlushFoldersAsync(IReadOnlyList<string> folders) =>
        DiskThreads.RunAsync(folders.Count, i => DurableFile.FlushDirectory(folders[i]), CancellationToken.None);

    public void Dispose()
    {
    }
}

/// <summary>
/// Flushes a whole batch with one <c>syncfs(2)</c> of the cache's file system (and one <c>fsync</c>
/// after it), instead of one <c>fsync</c> per file and per folder. Linux 5.8 or later, on ext2/3/4,
/// XFS or Btrfs only.
/// </summary>
/// <remarks>
/// Why this is as durable as flushing each file and folder:
/// <list type="bullet">
/// <item><c>syncfs</c> writes back every dirty page and inode of the file system and waits for them
/// (<c>sync_filesystem</c>: the inodes, then the file system's own <c>sync_fs</c>, which commits the
/// journal of ext4, XFS and Btrfs, then the block device's buffers, where journal-less ext2/ext4 keep
/// their inode tables, bitmaps and folder blocks). The descriptor is the folder the batch's temp
/// files are written in, and they are renamed into <c>objects/</c> of the same cache folder, so
/// the files, their new names and the folders changed are all on the file system it flushes.</item>
/// <item>Errors: since Linux 5.8 a writeback error of any inode of the file system, data or metadata
/// buffer, is also recorded in the superblock's error sequence, and <c>syncfs</c> returns it when it
/// was recorded after the descriptor passed to it was opened. The descriptor is opened before the
/// batch's first write, so any error in writing the batch fails the flush (an error of another
/// file on the same file system in that time fails it too: a false alarm, never a missed error).
/// Before 5.8 <c>syncfs</c> reported no writeback error at all, hence the version check.</item>
/// <item>The disk's write cache: journal-less ext2/ext4 issue their cache flush inside
/// <c>sync_fs</c>, before the block device's buffers are written out last, so those buffers may
/// still sit in a volatile write cache when <c>syncfs</c> returns. The <c>fsync</c> of the cache
/// folder that follows issues a cache flush after them (ext4 flushes the cache on every
/// <c>fsync</c>; with a journal the commit has already done so).</item>
/// <item>Other file systems (network, FUSE, overlay) may implement <c>sync_fs</c> as nothing or
/// not report errors through it: they get <see cref="PerFileFlush"/>.</item>
/// </list>
/// The cost: <c>syncfs</c> also writes what other processes left dirty on the same file system.
/// </remarks>
internal sealed class FileSystemFlush : IBatchFlush
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000;
    private const int CloseOnExec = 0x80000;

    /// <summary><c>f_type</c> of the file systems whose <c>syncfs</c> is known to write and wait for everything (see the remarks).</summary>
    private static readonly long[] KnownFileSystems =
    [
        0xEF53, // ext2, ext3, ext4
        0x58465342, // XFS
        0x9123683E, // Btrfs
    ];

    private readonly string _root;
    private readonly Func<int, int> _syncfs;
    private int _fd;

    private FileSystemFlush(string root, int fd, Func<int, int> syncfs)
    {
        _root = root;
        _fd = fd;
        _syncfs = syncfs;
    }

    public bool FlushesFileSystem => true;

    /// <summary>Whether this system's <c>syncfs</c> reports writeback errors (Linux 5.8 or later).</summary>
    internal static bool SystemSupported => OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(5, 8);

    /// <summary>Opens the descriptor whose error sequence the flushes check; null where this flush does not apply.</summary>
    /// <param name="root">A folder on the file system to flush.</param>
    /// <param name="syncfs">The <c>syncfs</c> call: a test's fault injection; null for the system's.</param>
    internal static FileSystemFlush? TryBegin(string root, Func<int, int>? syncfs = null)
    {
        if (!SystemSupported)
        {
            return null;
        }

        var fd = NativeMethods.Open(root, ReadOnly | Directory | CloseOnExec);
        if (fd < 0)
        {
            return null;
        }

        Span<byte> statfs = stackalloc byte[256];
        // f_type is the first field of struct statfs, a word wide on every Linux ABI.
        if (NativeMethods.Fstatfs(fd, statfs) != 0 || !KnownFileSystems.Contains((long)MemoryMarshal.Read<nuint>(statfs)))
        {
            _ = NativeMethods.Close(fd);
            return null;
        }

        return new FileSystemFlush(root, fd, syncfs ?? NativeMethods.Syncfs);
    }

    public async Task FlushFilesAsync(IReadOnlyList<string> paths, Action<int, IOException> failed, CancellationToken cancellationToken)
    {
        try
        {
            await DiskThreads.RunAsync(1, _ => Flush(), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // One flush for all: which file it failed for cannot be told, so none counts as written.
            for (var i = 0; i < paths.Count; i++)
            {
                failed(i, e);
            }
        }
    }

    public Task FlushFoldersAsync(IReadOnlyList<string> folders) =>
        folders.Count == 0 ? Task.CompletedTask : DiskThreads.RunAsync(1, _ => Flush(), CancellationToken.None);

    private void Flush()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        if (_syncfs(_fd) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot flush the file system of '{_root}' to disk (errno {errno}).", errno);
        }

        // The disk's write cache flushed after everything syncfs wrote (see the remarks).
        if (NativeMethods.Fsync(_fd) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot flush folder '{_root}' to disk (errno {errno}).", errno);
        }
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = NativeMethods.Close(fd);
        }
    }
}
