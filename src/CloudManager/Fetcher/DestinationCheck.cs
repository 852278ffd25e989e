using CloudManager.IO;

namespace CloudManager.Fetcher;

/// <summary>
/// Paths are what they say: a download writes only regular files. What is at the destination is read
/// without following a link (lstat) before anything is written and again right before the rename.
/// </summary>
public static class DestinationCheck
{
    /// <summary>
    /// Refuses a destination where a folder or a special file (FIFO, socket, device) is, whatever
    /// <paramref name="overwrite"/> says, and one where anything is when <paramref name="overwrite"/>
    /// is false. With it, a regular file is replaced, and so is a symbolic link: the link itself, since
    /// the rename replaces the name, never the file it points to.
    /// </summary>
    /// <param name="destination">The full path.</param>
    /// <param name="destinationPath">The path as the caller gave it, for messages.</param>
    /// <param name="overwrite">Whether an existing regular file or link may be replaced.</param>
    /// <param name="existsMessage">The message when something is there and overwriting is not allowed.</param>
    /// <exception cref="DestinationRefusedException">A folder or special file is there.</exception>
    /// <exception cref="IOException">Something is there and <paramref name="overwrite"/> is false.</exception>
    public static void Ensure(string destination, string destinationPath, bool overwrite, string existsMessage)
    {
        var status = PathStatus.Of(destination);
        if (status.Kind is PathKind.Directory || status.IsSpecial)
        {
            throw new DestinationRefusedException(destinationPath,
                $"'{FileNames.ForDisplay(destinationPath)}' is {status.Describe()}: a download writes only regular files and never replaces {status.Describe()}, overwriting allowed or not. Choose a file path; nothing was written.");
        }

        if (status.Exists && !overwrite)
        {
            throw new IOException(existsMessage);
        }
    }
}
