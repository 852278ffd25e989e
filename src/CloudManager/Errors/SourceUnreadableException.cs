namespace CloudManager;

/// <summary>
/// A file given to <see cref="CloudPool.UploadAsync(string, CancellationToken)"/> could not be read:
/// the system refused it (no read permission) or its device failed (an I/O error). Nothing was added.
/// The system's error is the inner exception.
/// </summary>
public sealed class SourceUnreadableException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public SourceUnreadableException(string path, string message, Exception innerException)
        : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>The file that could not be read.</summary>
    public string Path { get; }

    /// <summary>Whether the error is the system's refusal to let this process read the file.</summary>
    public bool IsPermissionDenied => InnerException is UnauthorizedAccessException;

    /// <summary>Wraps the system's error while opening or reading a source file with what it means and what to do.</summary>
    internal static SourceUnreadableException For(string path, Exception error) => new(path, error switch
    {
        UnauthorizedAccessException =>
            $"Cannot read '{path}': permission denied. Give this user read permission on it (and its folders), or upload it as a user who can read it; nothing was added.",
        IOException { HResult: InputOutputError } =>
            $"Cannot read '{path}': the device under it reported an I/O error (EIO), so part of it cannot be read; nothing was added. Check that disk (the kernel log names it) and copy what can be saved.",
        _ => $"Cannot read '{path}': {error.Message} Nothing was added.",
    }, error);

    // Linux errno, which .NET reports as the HResult of the IOException.
    private const int InputOutputError = 5;
}
