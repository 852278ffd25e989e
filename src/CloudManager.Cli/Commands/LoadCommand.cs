using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Gateway.Api;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm load &lt;file-or--&gt; --sync-id &lt;id&gt;</c>: imports another node's records (the seed's <c>data_load</c>).</summary>
internal static class LoadCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var source = new Argument<string>("file-or-") { Description = "The records to import: a file written by `cm dump`, or - for stdin." };
        var syncId = new Option<string>("--sync-id")
        {
            Description = "Where the records came from (a block id, a peer's name); they are marked confirmed under it.",
            HelpName = "id",
            Required = true,
        };
        var command = new CliCommand(
            "load",
            "Import records exported by another node's `cm dump`: each file becomes known here with the hosts that hold it, so this node can download it. Everything is checked first; invalid data imports nothing and exits 6. A record whose file name holds a path or a control, format (bidirectional, zero-width), separator or other invisible character is refused alone: the others are imported, each refusal is printed with its reason, and the exit code is 6.",
            "cm load records.json --sync-id node-a-0001",
            "ssh node-a cm dump | cm load - --sync-id node-a")
        {
            source,
            syncId,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var result = await RunAsync(context, context.Value(source), context.Value(syncId), cancellationToken);
            context.Console.Print(result, CliJsonContext.Default.LoadResult, WriteText);
            return result.Rejected.Count == 0 ? ExitCodes.Ok : ExitCodes.DataInvalid;
        });
        return command;
    }

    /// <summary>Imports the records in <paramref name="path"/> (<c>-</c>: stdin) under <paramref name="id"/>.</summary>
    public static async Task<LoadResult> RunAsync(CommandContext context, string path, string id, CancellationToken cancellationToken)
    {
        if (path != "-" && !File.Exists(path))
        {
            throw CliException.NotFound($"Cannot load '{path}': no such file.");
        }

        await using var pool = await context.OpenPoolAsync(cancellationToken);
        ReadOnlyMemory<byte> data;
        var input = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
        await using (input)
        {
            data = await SyncDataReader.ReadAsync(input, path == "-" ? "standard input" : $"'{path}'", pool.Options.MaxSyncDataLength, cancellationToken);
        }

        return LoadResult.From(await pool.DataLoadWithReportAsync(data, id, cancellationToken), id);
    }

    private static void WriteText(CliConsole console, LoadResult result)
    {
        foreach (var rejected in result.Rejected)
        {
            console.Fail($"record {rejected.Index} (file {rejected.Filehash}) refused: {rejected.Reason}");
        }

        console.Info(result.Rejected.Count == 0
            ? $"Imported {Counted.Of(result.Imported, "record")} under sync id {result.SyncId}."
            : $"Imported {Counted.Of(result.Imported, "record")} under sync id {result.SyncId}; refused {result.Rejected.Count} whose file name may not be taken in (listed above).");
    }
}
