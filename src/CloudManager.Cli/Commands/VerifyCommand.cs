using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm verify [--deep]</c>: checks that the hosts still hold every stored copy.</summary>
internal static class VerifyCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var deep = new Option<bool>("--deep") { Description = "Download and hash every copy instead of asking the host whether it is there." };
        var command = new CliCommand(
            "verify",
            "Check what the catalog believes against the hosts: every copy, including those marked missing or damaged before (exists with the right size; with --deep, download and hash), and every link learned from another node. A copy found again counts again; a missing or wrong-sized one is marked, and the next `cm sync` copies that file again. A file with no good copy and in no cache is LOST and reported every time. Prints one line per file; exit 0 when every copy is good, 6 when copies or files were lost, 5 when a host could not be checked.",
            "cm verify",
            "cm verify --deep && cm sync")
        {
            deep,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var result = await RunAsync(context, context.Value(deep), cancellationToken);
            context.Console.Print(result, CliJsonContext.Default.VerifyResult, WriteText);
            return Conclude(context.Console, result);
        });
        return command;
    }

    /// <summary>Checks every stored copy (with <paramref name="deep"/>, by downloading and hashing it).</summary>
    public static async Task<VerifyResult> RunAsync(CommandContext context, bool deep, CancellationToken cancellationToken)
    {
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var report = await pool.VerifyAsync(deep, progress: null, cancellationToken);
        return VerifyResult.From(report, pool.Options.MinCopies);
    }

    private static void WriteText(CliConsole console, VerifyResult result)
    {
        foreach (var file in result.Details)
        {
            var problems = file.Copies.Where(c => c.Result != "good").Select(c => $"{c.Host}:{c.Result}");
            console.WriteData($"{file.Hash}  {file.GoodCopies}/{file.Copies.Count} good  {(file.Lost ? "LOST" : file.Safe ? "safe" : "AT RISK")}  {FileNames.ForDisplay(file.Name)}  {string.Join(" ", problems)}".TrimEnd());
        }
    }

    /// <summary>The summary on stderr, with or without <c>--json</c>, and the exit code: 6 when copies were found missing or damaged or files are lost, 5 when some could not be checked; files merely not copied enough yet are a warning.</summary>
    private static int Conclude(CliConsole console, VerifyResult result)
    {
        console.Info(
            $"verify{(result.Deep ? " --deep" : "")}: {Counted.Of(result.Files, "file")}, {Counted.Of(result.LostCopies, "copy")} missing or damaged, {result.UncheckedCopies} not checked (host unreachable), {Counted.Of(result.FilesBelowMinimum, "file")} below {Counted.Of(result.MinCopies, "good copy")}.");
        if (result.LostFiles > 0)
        {
            return LostFiles.Conclude(console, new Catalog.QueueInfo(result.LostFiles, result.LostBytes));
        }

        if (result.LostCopies > 0)
        {
            console.Fail($"{Counted.Of(result.LostCopies, "copy")} {(result.LostCopies == 1 ? "was" : "were")} found missing or damaged: run `cm sync` to copy those files again.");
            return ExitCodes.DataInvalid;
        }

        if (result.FilesBelowMinimum > 0)
        {
            // Nothing the catalog believed was found wrong: these files have simply not been copied enough yet.
            console.Warn(
                $"{Counted.Of(result.FilesBelowMinimum, "file")} {(result.FilesBelowMinimum == 1 ? "has" : "have")} fewer than {Counted.Of(result.MinCopies, "good copy")} because {(result.FilesBelowMinimum == 1 ? "it has" : "they have")} not been copied that often yet (pending, or copied to too few hosts): run `cm sync`.");
        }

        return result.UncheckedCopies > 0 ? ExitCodes.HostUnreachable : ExitCodes.Ok;
    }
}
