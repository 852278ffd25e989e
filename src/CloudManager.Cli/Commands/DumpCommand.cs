using System.CommandLine;
using System.Text;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm dump [--limit bytes] [-o file]</c>: exports records of safe files for other nodes (the seed's <c>data_dump</c>).</summary>
internal static class DumpCommand
{
    public const int DefaultLimit = 128000;

    public static CliCommand Create(GlobalOptions globals)
    {
        var limit = new Option<int>("--limit")
        {
            Description = $"The most bytes of JSON to write (default {DefaultLimit}); records that do not fit wait for the next dump.",
            HelpName = "bytes",
            DefaultValueFactory = _ => DefaultLimit,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 2)
            {
                result.AddError("--limit must be at least 2 bytes.");
            }
        });
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (replaced atomically) instead of stdout.", HelpName = "file" };
        var command = new CliCommand(
            "dump",
            "Export the records (payload JSON array) of safe files that no other node has confirmed yet, and mark them exported; an export not confirmed within an hour is offered again. Prints nothing and exits 0 when there is nothing to export.",
            "cm dump > records.json",
            "cm dump --limit 64000 -o /srv/outbox/records.json")
        {
            limit,
            output,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            // The records are JSON already, in the format nodes exchange: the same with and without --json.
            var result = await RunAsync(context, context.Value(limit), context.Value(output), cancellationToken);
            WriteText(context.Console, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Exports up to <paramref name="limit"/> bytes of records, into <paramref name="path"/> when given.</summary>
    public static async Task<DumpResult> RunAsync(CommandContext context, int limit, string? path, CancellationToken cancellationToken)
    {
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var json = await pool.DataDumpAsync(limit, cancellationToken);
        if (json is not null && path is not null)
        {
            await WriteAtomicallyAsync(Path.GetFullPath(path), json + "\n", cancellationToken);
        }

        return new DumpResult(json, path);
    }

    private static void WriteText(CliConsole console, DumpResult result)
    {
        if (result.Records is null)
        {
            console.Detail("Nothing to export.");
        }
        else if (result.Path is null)
        {
            console.WriteData(result.Records);
        }
        else
        {
            console.Info($"Exported to {result.Path}.");
        }
    }

    /// <summary>Temp name beside the target, flushed, then renamed: readers never see half a dump.</summary>
    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
