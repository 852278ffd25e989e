using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm download &lt;hash&gt; [-o path] [--force] [--cache]</c>: copies a file out, streaming it from a host when it is not cached.</summary>
internal static class DownloadCommand
{
    private const string StandardOutput = "-";

    public static CliCommand Create(GlobalOptions globals)
    {
        var hash = HashArgument.Create();
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Where to write the file: a file path, an existing folder, or - for stdout (default: its original name in the current folder, made safe: no leading dot or dash, no invisible or control characters).",
            HelpName = "path",
        };
        var force = new Option<bool>("--force", "-f")
        {
            Description = "Replace a regular file (or a symbolic link: the link itself, never what it points to) already at the destination. A folder, named pipe, socket or device there is refused, --force or not (exit 2).",
        };
        var keepCached = new Option<bool>("--cache")
        {
            Description = "Also keep the file in the cache (when it has room): a file that is not cached is fetched once and written to the destination and into the cache side by side. Without it the cache is left as it is.",
        };
        var noCache = new Option<bool>("--no-cache")
        {
            Description = "Leave the cache as it is; the default when writing to a file (kept so that scripts can say so). Not with -o -, which streams from the cache.",
        };
        var command = new CliCommand(
            "download",
            "Copy a file out of the pool. A cached file is copied out; one that is not is streamed from a host straight to the destination, verified against its hash on the way, and written once (--cache also keeps it in the cache; -o - fills the cache first and streams from there). Never overwrites without --force; the copy is written to a temporary name, flushed and renamed, so an interrupted download leaves nothing behind. Prints the path written.",
            "cm download 6e163442e29ec8d7538bc86fe2c4a48778e8ae2254632f0889da753b1c357b1b",
            "cm download $HASH -o restored/report.pdf --force",
            "cm download $HASH -o - | tar -x",
            "cm download $HASH -o /mnt/restore/ --cache")
        {
            hash,
            output,
            force,
            keepCached,
            noCache,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var result = await RunAsync(
                context, context.Value(hash), context.Value(output), context.Value(force), context.Value(keepCached), context.Value(noCache), cancellationToken);
            if (result is not null)
            {
                context.Console.Print(result, CliJsonContext.Default.FileLocation, (console, written) => console.WriteData(written.Path));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Writes the file to <paramref name="target"/>; null when it went to standard output (<c>-o -</c>), which then holds nothing else.</summary>
    public static async Task<FileLocation?> RunAsync(
        CommandContext context, string text, string? target, bool overwrite, bool keepInCache, bool noCache, CancellationToken cancellationToken)
    {
        var console = context.Console;
        if (noCache && (keepInCache || target == StandardOutput))
        {
            throw CliException.Usage(keepInCache
                ? "--cache and --no-cache contradict each other: pass one of them."
                : "--no-cache writes to a file; it cannot be used with -o - (standard output), which streams from the cache.");
        }

        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var payload = await pool.InfoAsync(text, cancellationToken) ?? throw new UnknownContentException(ContentHash.Parse(text));
        if (target == StandardOutput)
        {
            await CopyToStandardOutputAsync(pool, payload.FileHash, payload.FileSize, cancellationToken);
            return null;
        }

        var destination = Destination(target, payload.SafeFileName, overwrite);
        await ProgressDisplay.RunAsync(
            console,
            $"fetching {FileNames.ForDisplay(payload.DisplayName)}",
            payload.FileSize,
            inBytes: true,
            payload.FileSize >= ProgressDisplay.LargeBytes,
            async line =>
            {
                line.Indeterminate(true);
                var copying = false;
                var progress = new DirectProgress<long>(written =>
                {
                    if (!copying)
                    {
                        copying = true;
                        line.Indeterminate(false);
                        line.Describe($"writing {FileNames.ForDisplay(Path.GetFileName(destination))}");
                    }

                    line.Set(written);
                });
                await (keepInCache
                    ? pool.DownloadAsync(text, destination, overwrite, progress, cancellationToken)
                    : pool.DownloadBypassingCacheAsync(text, destination, overwrite, progress, cancellationToken));
                return true;
            });
        return new FileLocation(payload.FileHash.ToString(), destination, payload.FileSize);
    }

    /// <summary>The file to write: checked before anything is fetched, so a refusal costs nothing.</summary>
    private static string Destination(string? target, string safeName, bool overwrite)
    {
        var destination = target is null
            ? Path.Combine(Environment.CurrentDirectory, safeName)
            : Directory.Exists(target) ? Path.Combine(Path.GetFullPath(target), safeName) : Path.GetFullPath(target);
        // A folder, pipe, socket or device there is refused (exit 2) before the question of --force.
        Fetcher.DestinationCheck.Ensure(destination, destination, overwrite, $"{destination} already exists: pass --force to replace it, or -o to choose another path.");
        var folder = Path.GetDirectoryName(destination)!;
        return Directory.Exists(folder)
            ? destination
            : throw CliException.NotFound($"Cannot write {destination}: the folder {folder} does not exist.");
    }

    private static async Task CopyToStandardOutputAsync(CloudPool pool, ContentHash hash, long size, CancellationToken cancellationToken)
    {
        var cachedPath = await pool.WarmUpAsync(hash.ToString(), cancellationToken);
        var input = new FileStream(cachedPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input)
        {
            var stdout = Console.OpenStandardOutput();
            await using (stdout)
            {
                await input.CopyToAsync(stdout, 1 << 20, cancellationToken);
                await stdout.FlushAsync(cancellationToken);
            }
        }

        // The bytes left this node like any other download: count them in the transfer meter.
        await pool.RecordTransferAsync(0, size, DateTimeOffset.UtcNow, CancellationToken.None);
    }
}
