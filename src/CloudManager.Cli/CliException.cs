namespace CloudManager.Cli;

/// <summary>
/// A failure the tool reports itself: one line for the user saying what went wrong and what to do,
/// and the exit code from <see cref="ExitCodes"/>.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }

    /// <summary>A problem with the command line, environment or config file.</summary>
    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    /// <summary>Something asked for does not exist.</summary>
    public static CliException NotFound(string message) => new(ExitCodes.NotFound, message);
}
