namespace CloudManager.Hosts.Processes;

/// <summary>How a tool run ended.</summary>
/// <param name="ExitCode">The exit code; -1 when the run timed out.</param>
/// <param name="Output">The end of its standard output.</param>
/// <param name="Error">The end of its standard error, for messages only.</param>
/// <param name="TimedOut">Whether it was killed for running past its time limit.</param>
internal sealed record ToolResult(int ExitCode, string Output, string Error, bool TimedOut)
{
    /// <summary>Standard error as one line for an exception message.</summary>
    internal string ErrorSummary =>
        Error.Length == 0 ? "(no message)" : string.Join(" | ", Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
}
