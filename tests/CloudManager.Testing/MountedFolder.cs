using System.Diagnostics;
using System.Globalization;

namespace CloudManager.Testing;

/// <summary>
/// A real small file system for machine-fault tests: a tmpfs of a fixed size mounted on a folder,
/// which fills up for real (ENOSPC) and can be remounted read-only (EROFS). Mounting needs root,
/// as CI runs; the mount is removed on dispose.
/// </summary>
public sealed class MountedFolder : IDisposable
{
    private MountedFolder(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="sizeBytes"/> on <paramref name="path"/> (created when missing).</summary>
    public static MountedFolder Tmpfs(string path, long sizeBytes)
    {
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", string.Create(CultureInfo.InvariantCulture, $"size={sizeBytes},mode=0755"), "tmpfs", path);
        return new MountedFolder(path);
    }

    /// <summary>Makes the file system read-only (writes fail with EROFS, even for root).</summary>
    public void RemountReadOnly() => Run("mount", "-o", "remount,ro", Path);

    /// <summary>Makes the file system writable again.</summary>
    public void RemountReadWrite() => Run("mount", "-o", "remount,rw", Path);

    public void Dispose()
    {
        // Lazy: a handle a failed test left open must not keep the mount (and the test run) stuck.
        Run("umount", "-l", Path);
    }

    private static void Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Trim()} The machine-fault tests mount small file systems and must run as root, as CI does.");
        }
    }
}
