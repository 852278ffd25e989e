using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CloudManager.IO;

internal static partial class NativeMethods
{
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial IntPtr RealPath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial void Free(IntPtr pointer);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Fsync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Ftruncate(SafeFileHandle fd, long length);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Flock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Fcntl(SafeFileHandle fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial nint Read(int fd, Span<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Fstatfs(int fd, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Statx(int directory, string path, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Statx(SafeFileHandle directory, string path, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Link(string existingPath, string newPath);

    [LibraryImport("libc", EntryPoint = "posix_fadvise", SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int PosixFadvise(SafeFileHandle fd, long offset, long length, int advice);

    /// <summary>
    /// The exception a file stream throws for the same errno after a failed call, so that callers tell
    /// the cases apart as they do for streams: a missing path is a missing folder when creating, a
    /// missing file otherwise.
    /// </summary>
    /// <param name="what">The call that failed, as a verb: "create", "read", "flush".</param>
    /// <param name="path">The file.</param>
    /// <param name="errno">The call's error number.</param>
    internal static Exception ErrorFor(string what, string path, int errno) => errno switch
    {
        NoSuchFile when what == "create" => new DirectoryNotFoundException($"Cannot create '{path}': its folder does not exist (errno {errno})."),
        NoSuchFile => new FileNotFoundException($"Cannot {what} '{path}': no such file or folder (errno {errno}).", path),
        PermissionDenied or NotPermitted => new UnauthorizedAccessException($"Cannot {what} '{path}': permission denied (errno {errno})."),
        _ => new IOException($"Cannot {what} '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno),
    };

    private const int NotPermitted = 1;
    private const int NoSuchFile = 2;
    private const int PermissionDenied = 13;
}
