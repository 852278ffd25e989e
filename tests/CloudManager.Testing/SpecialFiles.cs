using System.Diagnostics;
using System.Net.Sockets;

namespace CloudManager.Testing;

/// <summary>Named pipes, sockets and device nodes for the tests of paths that must never be opened or replaced.</summary>
public static class SpecialFiles
{
    /// <summary>Makes a named pipe (FIFO) at <paramref name="path"/>.</summary>
    public static string Fifo(string path)
    {
        Run("mkfifo", path);
        return path;
    }

    /// <summary>Binds a Unix domain socket at <paramref name="path"/>; dispose the socket when done.</summary>
    public static Socket Socket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>
    /// A character device like /dev/null: made at <paramref name="path"/> with mknod (1, 3) when this user
    /// may (root), else /dev/null itself, which the code under test must refuse before it touches anything.
    /// </summary>
    public static string CharacterDevice(string path) => TryRun("mknod", path, "c", "1", "3") ? path : "/dev/null";

    /// <summary>Whether <paramref name="path"/> is still a character device (stat -c %F).</summary>
    public static string Kind(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true })!;
        var kind = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return kind;
    }

    private static void Run(string program, params string[] args)
    {
        if (!TryRun(program, args))
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed.");
        }
    }

    private static bool TryRun(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
