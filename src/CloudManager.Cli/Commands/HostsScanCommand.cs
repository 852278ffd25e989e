using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm hosts scan NAME [--deep]</c>: compares one host with the catalog, changing nothing.</summary>
internal static class HostsScanCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var name = new Argument<string>("name") { Description = "The host to scan, as named in the config file." };
        var deep = new Option<bool>("--deep") { Description = "Also read and hash every copy the catalog counts on the host." };
        var command = new CliCommand(
            "scan",
            "Compare one host with the catalog and change nothing: objects the catalog does not know (orphan; `cm recover --from NAME` registers them) or has no good copy of there (unrecorded), copies it counts that are gone or of the wrong size, and with --deep copies whose bytes do not hash to their name (damaged; `cm verify --deep` marks them). Prints one line per finding; exit 0 when host and catalog agree, 6 when they differ, 5 when the host could not be read, 1 for an unknown host.",
            "cm hosts scan disk-b",
            "cm hosts scan nas --deep --json | jq '.findings[] | select(.kind == \"damaged\") | .hash'")
        {
            name,
            deep,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var hostName = context.Value(name);
            if (context.Settings.Hosts.All(h => h.Name != hostName))
            {
                throw new CliException(
                    ExitCodes.NotFound,
                    $"No host is named '{hostName}'; configured: {(context.Settings.Hosts.Count == 0 ? "none" : string.Join(", ", context.Settings.Hosts.Select(h => h.Name)))}.");
            }

            await using var pool = await context.OpenPoolAsync(cancellationToken);
            HostScanResult result;
            try
            {
                result = HostScanResult.From(await pool.ScanHostAsync(hostName, context.Value(deep), cancellationToken));
            }
            catch (NotSupportedException e)
            {
                throw new CliException(ExitCodes.Failed, e.Message);
            }

            context.Console.Print(result, CliJsonContext.Default.HostScanResult, (console, r) => RecoverCommand.WriteFindings(console, r.Findings));
            context.Console.Info(
                $"hosts scan{(result.Deep ? " --deep" : "")} {result.Host}: {result.Objects} object(s) on the host, {result.CatalogCopies} cop(ies) in the catalog, {result.Findings.Count} finding(s).");
            return result.Findings.Count == 0 ? ExitCodes.Ok : ExitCodes.DataInvalid;
        });
        return command;
    }
}
