using System.CommandLine;
using CloudManager.Cli.Hosts;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm hosts</c>: the configured hosts, their kind, settings (secrets redacted) and health.</summary>
internal static class HostsCommand
{
    public const string Redacted = "***";

    public static CliCommand Create(GlobalOptions globals)
    {
        var command = new CliCommand(
            "hosts",
            "List the configured storage hosts: name, kind, health (ok, failing, unreachable), copies held, whether it keeps a journal of its files (what `cm recover` reads; plowshare lockers do not), settings (secrets shown as ***) and the last error.",
            "cm hosts",
            "cm hosts --json | jq -r '.[] | select(.health != \"ok\") | .name'",
            "cm hosts test disk-b     # check a host before trusting it",
            "cm hosts scan disk-b     # compare a host with the catalog")
        {
            HostsTestCommand.Create(globals),
            HostsInitCommand.Create(globals),
            HostsScanCommand.Create(globals),
            HostsKeygenCommand.Create(globals),
        };
        command.MoreHelp = CliHosts.WriteSettingsHelp;
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var hosts = await RunAsync(context, cancellationToken);
            context.Console.Print(hosts, CliJsonContext.Default.IReadOnlyListHostResult, (console, rows) => WriteText(console, rows, context.Settings.ConfigPath));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Every configured host, probed, with its history and settings.</summary>
    public static async Task<IReadOnlyList<HostResult>> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var definitions = context.Settings.Hosts;
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var rows = await HostReport.GatherAsync(pool, await pool.GetStatusAsync(cancellationToken), definitions, context.Registry, cancellationToken);
        return [.. rows.Select(HostResult.From)];
    }

    private static void WriteText(CliConsole console, IReadOnlyList<HostResult> hosts, string? configPath)
    {
        if (hosts.Count == 0)
        {
            console.Info($"No hosts are configured: add them to the config file ({configPath ?? "write one with `cm init`"}).");
            return;
        }

        var table = new TextTable("NAME", "KIND", "HEALTH", "COPIES", "JOURNAL", "SETTINGS", "LAST ERROR").AlignRight(3);
        foreach (var host in hosts)
        {
            table.Add(
                host.Name,
                host.Kind,
                host.Health,
                host.Copies.ToString(System.Globalization.CultureInfo.InvariantCulture),
                host.Journal ? "yes" : "no (cannot list by name)",
                string.Join(" ", host.Settings.Select(s => $"{s.Key}={s.Value}")),
                host.ProbeError ?? host.LastError ?? "-");
        }

        foreach (var line in table.Lines())
        {
            console.WriteData(line);
        }
    }
}
