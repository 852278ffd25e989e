using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;
using CloudManager.Recovery;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm recover [--from HOST...]</c>: rebuilds the catalog from what the hosts hold.</summary>
internal static class RecoverCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var from = new Option<string[]>("--from") { Description = "Read only these configured hosts (repeat the option); default: every host.", AllowMultipleArgumentsPerToken = true };
        var command = new CliCommand(
            "recover",
            "Rebuild the catalog from the hosts alone, after the catalog (and the cache) were lost: read each host's identity marker and journal (the records of the files it holds), list its objects and their sizes, and register every file with its name, size and copies. An object no record names is registered under its hash; records whose objects are gone, objects of the wrong size and refused journal lines are reported, never registered. Merges into an existing catalog without overwriting what it knows. Prints one line per finding; exit 0 when every record had its object, 6 when something was reported, 5 when a host could not be read.",
            "cm recover",
            "cm recover --from disk-b --from nas",
            "cm recover --json | jq '.findings[] | select(.kind == \"orphan\")'")
        {
            from,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var names = context.Value(from) ?? [];
            foreach (var name in names.Where(n => context.Settings.Hosts.All(h => h.Name != n)))
            {
                throw new CliException(
                    ExitCodes.NotFound,
                    $"No host is named '{name}'; configured: {(context.Settings.Hosts.Count == 0 ? "none" : string.Join(", ", context.Settings.Hosts.Select(h => h.Name)))}.");
            }

            await using var pool = await context.OpenPoolAsync(cancellationToken);
            var result = RecoverResult.From(await pool.RecoverAsync(names, cancellationToken));
            context.Console.Print(result, CliJsonContext.Default.RecoverResult, WriteText);
            context.Console.Info(
                $"recover: {result.FilesAdded} file(s) added, {result.FilesKnown} known already, {result.CopiesRecorded} cop(ies) recorded, " +
                $"{result.Hosts.Count(h => h.Read)} of {result.Hosts.Count} host(s) read, {result.Findings.Count} finding(s).");
            if (result.Hosts.Any(h => !h.Read && h.KeepsJournal))
            {
                context.Console.Fail("Some hosts could not be read: run `cm recover` again when they answer; nothing is registered twice.");
                return ExitCodes.HostUnreachable;
            }

            return result.Findings.Any(f => f.Kind != FindingKinds.HostNotRead) ? ExitCodes.DataInvalid : ExitCodes.Ok;
        });
        return command;
    }

    internal static void WriteFindings(CliConsole console, IReadOnlyList<FindingResult> findings)
    {
        if (findings.Count == 0)
        {
            return;
        }

        var table = new TextTable("KIND", "HOST", "HASH", "SIZE", "NAME", "DETAIL").AlignRight(3);
        foreach (var finding in findings)
        {
            table.Add(
                finding.Kind,
                finding.Host,
                finding.Hash ?? "-",
                finding.Size is { } size ? ByteSize.Format(size) : "-",
                finding.Name is { } name ? FileNames.ForDisplay(name) : "-",
                finding.Detail);
        }

        foreach (var line in table.Lines())
        {
            console.WriteData(line);
        }
    }

    private static void WriteText(CliConsole console, RecoverResult result) => WriteFindings(console, result.Findings);
}
