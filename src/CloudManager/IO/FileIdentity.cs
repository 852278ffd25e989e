using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CloudManager.IO;

/// <summary>
/// What tells one version of a file from another without reading it: its device and inode (a file
/// replaced by a rename is another inode), its size, and its modification and change times (a file
/// rewritten or cut short in place moves them). Read with one <c>statx(2)</c>; Linux only.
/// </summary>
/// <param name="Device">The device, major and minor number.</param>
/// <param name="Inode">The inode number.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Modified">The modification time, in nanoseconds since 1970.</param>
/// <param name="Changed">The status change time, in nanoseconds since 1970.</param>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long Size, Int128 Modified, Int128 Changed)
{
    // struct statx is the same on every Linux ABI: fixed-width fields at fixed offsets, 256 bytes in all.
    private const int StatxSize = 256;
    private const int MaskOffset = 0, InodeOffset = 32, SizeOffset = 40, ChangedOffset = 96, ModifiedOffset = 112, DeviceMajorOffset = 136, DeviceMinorOffset = 140;
    private const uint WantedFields = 0x40 | 0x80 | 0x100 | 0x200; // STATX_MTIME | STATX_CTIME | STATX_INO | STATX_SIZE
    private const int CurrentFolder = -100, EmptyPath = 0x1000; // AT_FDCWD, AT_EMPTY_PATH

    /// <summary>Whether identities can be read here (Linux).</summary>
    internal static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The identity of the file at <paramref name="path"/>, following no descriptor; false when it is missing or cannot be read.</summary>
    internal static bool TryRead(string path, out FileIdentity identity)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        if (!IsSupported || NativeMethods.Statx(CurrentFolder, path, 0, WantedFields, buffer) != 0)
        {
            identity = default;
            return false;
        }

        return TryParse(buffer, out identity);
    }

    /// <summary>The identity of an open file; false when it cannot be read.</summary>
    internal static bool TryRead(SafeFileHandle file, out FileIdentity identity)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        if (!IsSupported || NativeMethods.Statx(file, "", EmptyPath, WantedFields, buffer) != 0)
        {
            identity = default;
            return false;
        }

        return TryParse(buffer, out identity);
    }

    private static bool TryParse(ReadOnlySpan<byte> buffer, out FileIdentity identity)
    {
        // A file system that cannot report one of the fields cannot tell versions apart: no identity then.
        if ((Read<uint>(buffer, MaskOffset) & WantedFields) != WantedFields)
        {
            identity = default;
            return false;
        }

        identity = new FileIdentity(
            ((ulong)Read<uint>(buffer, DeviceMajorOffset) << 32) | Read<uint>(buffer, DeviceMinorOffset),
            Read<ulong>(buffer, InodeOffset),
            Read<long>(buffer, SizeOffset),
            Timestamp(buffer, ModifiedOffset),
            Timestamp(buffer, ChangedOffset));
        return true;
    }

    /// <summary>A struct statx_timestamp: seconds (64 bits), then nanoseconds (32 bits).</summary>
    private static Int128 Timestamp(ReadOnlySpan<byte> buffer, int offset) =>
        ((Int128)Read<long>(buffer, offset) * 1_000_000_000) + Read<uint>(buffer, offset + 8);

    private static T Read<T>(ReadOnlySpan<byte> buffer, int offset)
        where T : unmanaged => MemoryMarshal.Read<T>(buffer[offset..]);
}
