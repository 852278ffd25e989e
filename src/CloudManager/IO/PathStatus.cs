using System.Runtime.InteropServices;

namespace CloudManager.IO;

/// <summary>What is at a path, as the file system says without opening it.</summary>
internal enum PathKind
{
    /// <summary>Nothing: the path does not exist.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    RegularFile,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A symbolic link (only when links are not followed).</summary>
    SymbolicLink,

    /// <summary>A named pipe (FIFO): opening it blocks until a writer or reader comes.</summary>
    Fifo,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>A character device such as <c>/dev/null</c> or a terminal.</summary>
    CharacterDevice,

    /// <summary>A block device such as a disk.</summary>
    BlockDevice,
}

/// <summary>The kind of a path and its identity (device and inode; 0 where the system does not give them).</summary>
/// <param name="Kind">What is there.</param>
/// <param name="Device">The device that holds it.</param>
/// <param name="Inode">Its inode on that device.</param>
internal readonly record struct PathStatus(PathKind Kind, ulong Device, ulong Inode)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const int NoEntry = 2;
    private const int NotDirectory = 20;

    /// <summary>Whether something is there.</summary>
    public bool Exists => Kind != PathKind.Missing;

    /// <summary>Whether it is a special file (FIFO, socket, device): never opened, never replaced.</summary>
    public bool IsSpecial => Kind is PathKind.Fifo or PathKind.Socket or PathKind.CharacterDevice or PathKind.BlockDevice;

    /// <summary>A person's word for the kind.</summary>
    public string Describe() => Describe(Kind);

    /// <summary>A person's word for <paramref name="kind"/>.</summary>
    public static string Describe(PathKind kind) => kind switch
    {
        PathKind.Missing => "nothing",
        PathKind.RegularFile => "a regular file",
        PathKind.Directory => "a folder",
        PathKind.SymbolicLink => "a symbolic link",
        PathKind.Fifo => "a named pipe (FIFO)",
        PathKind.Socket => "a socket",
        PathKind.CharacterDevice => "a character device",
        _ => "a block device",
    };

    /// <summary>What is at <paramref name="path"/> itself: a symbolic link is reported as one (lstat).</summary>
    /// <exception cref="IOException">The system could not tell (other than the path being absent).</exception>
    public static PathStatus Of(string path) => Read(path, followLinks: false);

    /// <summary>What <paramref name="path"/> leads to: symbolic links are followed (stat); a dangling link is <see cref="PathKind.Missing"/>.</summary>
    /// <exception cref="IOException">The system could not tell (other than the path being absent), e.g. a loop of links.</exception>
    public static PathStatus OfTarget(string path) => Read(path, followLinks: true);

    /// <summary>
    /// The path with every link resolved as the system resolves it (realpath: a <c>..</c> after a link
    /// goes up from where the link leads); the path itself when it cannot be resolved.
    /// </summary>
    public static string Resolve(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }

        var resolved = NativeMethods.RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return path;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved) ?? path;
        }
        finally
        {
            NativeMethods.Free(resolved);
        }
    }

    private static PathStatus Read(string path, bool followLinks)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux())
        {
            return Portable(path, followLinks);
        }

        // statx: one layout on every Linux architecture, unlike struct stat.
        Span<byte> buffer = stackalloc byte[256];
        if (NativeMethods.Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType | StatxIno, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error is NoEntry or NotDirectory)
            {
                return default;
            }

            throw new IOException($"Cannot tell what '{path}' is: {Marshal.GetPInvokeErrorMessage(error)}.", error);
        }

        var mode = BitConverter.ToUInt16(buffer[28..30]);
        var inode = BitConverter.ToUInt64(buffer[32..40]);
        var device = ((ulong)BitConverter.ToUInt32(buffer[136..140]) << 32) | BitConverter.ToUInt32(buffer[140..144]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => PathKind.RegularFile,
            0x4000 => PathKind.Directory,
            0xA000 => PathKind.SymbolicLink,
            0x1000 => PathKind.Fifo,
            0xC000 => PathKind.Socket,
            0x2000 => PathKind.CharacterDevice,
            _ => PathKind.BlockDevice,
        };
        return new PathStatus(kind, device, inode);
    }

    /// <summary>Where statx is not available: what .NET tells (no special files, no identity).</summary>
    private static PathStatus Portable(string path, bool followLinks)
    {
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists && !System.IO.Directory.Exists(path) && info.LinkTarget is null)
        {
            return default;
        }

        if (info.LinkTarget is not null)
        {
            if (!followLinks)
            {
                return new PathStatus(PathKind.SymbolicLink, 0, 0);
            }

            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target is null || !target.Exists ? default : new PathStatus(target is DirectoryInfo ? PathKind.Directory : PathKind.RegularFile, 0, 0);
        }

        return new PathStatus(System.IO.Directory.Exists(path) ? PathKind.Directory : PathKind.RegularFile, 0, 0);
    }
}
