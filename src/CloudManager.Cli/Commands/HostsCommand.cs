using System.CommandLine;
using CloudManager.Cli.Hosts;
using CloudManager.Cli.Output;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm hosts</c>: the configured hosts, their kind, settings (secrets redacted) and health.</summary>
internal static class HostsCommand
{
    public const string Redacted = "***";

    public static CliCommand Create(GlobalOptions globals)
    {
        var command = new CliCommand(
            "hosts",
            "List the configured storage hosts: name, kind, health (ok, failing, unreachable), copies held, settings (secrets shown as ***) and the last error.",
            "cm hosts",
            "cm hosts --json | jq -r '.[] | select(.health != \"ok\") | .name'",
            "cm hosts test disk-b     # check a host before trusting it")
        {
            HostsTestCommand.Create(globals),
        };
        command.MoreHelp = CliHosts.WriteSettingsHelp;
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var console = context.Console;
            var definitions = context.Settings.Hosts;
            await using var pool = await context.OpenPoolAsync(cancellationToken);
            var rows = await HostReport.GatherAsync(pool, definitions, context.Registry, cancellationToken);
            if (console.Json)
            {
                JsonOutput.Write(console, json =>
                {
                    json.WriteStartArray();
                    foreach (var row in rows)
                    {
                        HostReport.WriteJson(json, row);
                    }

                    json.WriteEndArray();
                });
                return ExitCodes.Ok;
            }

            if (rows.Count == 0)
            {
                console.Info($"No hosts are configured: add them to the config file ({context.Settings.ConfigPath ?? "write one with `cm init`"}).");
                return ExitCodes.Ok;
            }

            var table = new TextTable("NAME", "KIND", "HEALTH", "COPIES", "SETTINGS", "LAST ERROR").AlignRight(3);
            foreach (var row in rows)
            {
                table.Add(
                    row.Name,
                    row.Kind,
                    row.Health,
                    row.Copies.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    string.Join(" ", row.Settings.Select(s => $"{s.Key}={s.Value}")),
                    row.ProbeError ?? row.History.LastError ?? "-");
            }

            foreach (var line in table.Lines())
            {
                console.WriteData(line);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
