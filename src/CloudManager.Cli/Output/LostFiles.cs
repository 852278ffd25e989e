using CloudManager.Catalog;

namespace CloudManager.Cli.Output;

/// <summary>The one way commands say that files are lost: a line on stderr and exit 6, every time until it is resolved.</summary>
internal static class LostFiles
{
    /// <summary>Says how many files are lost and what to do, and returns the exit code (6 when any is, else 0).</summary>
    public static int Conclude(CliConsole console, QueueInfo lost)
    {
        if (lost.Count == 0)
        {
            return ExitCodes.Ok;
        }

        console.Fail(
            $"LOST: {Counted.Of(lost.Count, "file")}, {ByteSize.Format(lost.Size)}, {(lost.Count == 1 ? "has" : "have")} no good copy on any configured host and {(lost.Count == 1 ? "is" : "are")} in no node's cache. " +
            "`cm list --lost` names them; restore a host that held them (or a copy of the file, then `cm upload` it), and `cm verify` checks again.");
        return ExitCodes.DataInvalid;
    }
}
