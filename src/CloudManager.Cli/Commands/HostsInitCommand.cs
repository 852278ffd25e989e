using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary>
/// <c>cm hosts init &lt;name&gt;</c>: gives a configured host a new identity marker, on the administrator's
/// word that it is a new, empty place. A host whose marker vanished is otherwise left alone (an unmounted
/// disk must not be filled again from scratch).
/// </summary>
internal static class HostsInitCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var name = new Argument<string>("name") { Description = "The host to initialise, as named in the config file." };
        var command = new CliCommand(
            "init",
            "Write a new identity marker on a configured host that has none: only for a new, empty place (a replaced disk, a new bucket). A host whose marker is missing where the catalog knew one is otherwise unavailable, since its disk may just not be mounted. Copies recorded on its former identity no longer count; the next `cm sync` copies those files again. A marker already there is left as it is.",
            "cm hosts init disk-b")
        {
            name,
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
            var marker = await pool.InitializeHostAsync(hostName, cancellationToken);
            var result = new HostInitResult(hostName, marker.Id, marker.CreatedAt.UtcDateTime);
            context.Console.Print(result, CliJsonContext.Default.HostInitResult, (console, r) => console.Info($"Host '{r.Host}' carries identity {r.Id} (created {r.CreatedAt:u})."));
            return ExitCodes.Ok;
        });
        return command;
    }
}
