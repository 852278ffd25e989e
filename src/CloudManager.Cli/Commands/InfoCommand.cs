using System.CommandLine;
using CloudManager.Exchange;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm info &lt;hash&gt;</c>: the file's v0.2 payload JSON, as other nodes receive it.</summary>
internal static class InfoCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var hash = HashArgument.Create();
        var command = new CliCommand(
            "info",
            "Print the file's payload (version 0.2 JSON: name, size, hash, time, and the hosts that hold it), as `cm dump` exports it.",
            "cm info 6e163442e29ec8d7538bc86fe2c4a48778e8ae2254632f0889da753b1c357b1b",
            "cm info $HASH | jq -r '.uploads[].host_name'")
        {
            hash,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            // The payload is JSON already, in the format nodes exchange: the same with and without --json.
            var payload = await RunAsync(context, context.Value(hash), cancellationToken);
            context.Console.WriteData(payload.ToJson());
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The file's payload; an unknown hash throws.</summary>
    public static async Task<FilePayload> RunAsync(CommandContext context, string hash, CancellationToken cancellationToken)
    {
        await using var pool = await context.CreateLazyPoolAsync(cancellationToken);
        return await pool.InfoAsync(hash, cancellationToken) ?? throw new UnknownContentException(ContentHash.Parse(hash));
    }
}
