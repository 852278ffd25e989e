namespace CloudManager;

/// <summary>
/// A download's destination is not a path a file may be written to: a folder, a named pipe, a socket
/// or a device is there. Downloads write only regular files and replace, with overwriting allowed,
/// only a regular file or a symbolic link (the link itself, never what it points to). Nothing was written.
/// </summary>
public sealed class DestinationRefusedException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public DestinationRefusedException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    /// <summary>The destination as the caller gave it.</summary>
    public string Path { get; }
}
