using System.CommandLine;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;
using CloudManager.Ingest;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm upload &lt;file-or-dir&gt;...</c>: adds files to the pool and prints <c>&lt;hash&gt;  &lt;path&gt;</c> for each.</summary>
internal static class UploadCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var paths = new Argument<string[]>("file-or-dir")
        {
            Description = "Files to add; folders are added with everything in them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var followLinks = new Option<bool>("--follow-links")
        {
            Description = "Follow symbolic links inside folders (to files and folders). A link to a folder being walked is a loop and is skipped; a folder or file reached twice is listed once. Without it links inside folders are skipped and counted; a link named on the command line is always followed.",
        };
        var command = new CliCommand(
            "upload",
            "Add files to the pool (folders recursively): each is hashed, copied into the cache and registered; it stays pending until `cm sync` copies it to the hosts. Prints `<hash>  <path>` per file, then how many were added, already present and skipped (by reason) on stderr. Inside folders, symbolic links are not followed (see --follow-links), named pipes, sockets and devices are never opened, the pool's own folders and files (cache folder, catalog, directory hosts) are never taken in, and names holding control or invisible characters are skipped.",
            "cm upload README.md",
            "cm upload photos/ notes.txt",
            "cm upload --follow-links projects/",
            "cm upload --json big.iso | jq -r '.[0].hash'")
        {
            paths,
            followLinks,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var console = context.Console;
            // Without --json each line is printed as its file is recorded: when a later file fails, the earlier are known.
            var uploaded = await RunAsync(
                context, context.Value(paths), context.Value(followLinks), console.Json ? null : file => console.WriteData($"{file.Hash}  {FileNames.ForDisplay(file.Path)}"), cancellationToken);
            if (console.Json)
            {
                JsonOutput.Write(console, uploaded, CliJsonContext.Default.IReadOnlyListFileLocation);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Adds every file named (folders recursively, see <see cref="UploadSources"/>); <paramref name="recorded"/> hears of each as the catalog
    /// records it, in order. Tells on stderr how many were added, already present, skipped (by reason) and failed.
    /// </summary>
    public static async Task<IReadOnlyList<FileLocation>> RunAsync(
        CommandContext context, IEnumerable<string> paths, bool followLinks, Action<FileLocation>? recorded, CancellationToken cancellationToken)
    {
        var console = context.Console;
        var listing = UploadSources.Collect(paths, followLinks, PoolPaths(context.Settings));
        foreach (var skipped in listing.Skipped)
        {
            var line = $"skipped {FileNames.ForDisplay(skipped.DisplayPath)}: {Describe(skipped.Reason, 1)}";
            if (skipped.Reason is SkipReason.PoolFile or SkipReason.ForbiddenName or SkipReason.SpecialFile or SkipReason.BrokenLink)
            {
                console.Warn(line);
            }
            else
            {
                console.Detail(line);
            }
        }

        var files = listing.Files;
        if (files.Count == 0)
        {
            console.Info(Summary(0, 0, listing, failed: 0, notAttempted: 0));
            return [];
        }

        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var total = files.Sum(f => f.Length);
        var results = new List<FileLocation>(files.Count);
        var added = 0;
        try
        {
            await ProgressDisplay.RunAsync(
                console,
                files.Count == 1 ? $"uploading {FileNames.ForDisplay(Path.GetFileName(files[0].FullPath))}" : $"uploading {files.Count} files",
                total,
                inBytes: true,
                ProgressDisplay.IsWorthShowing(files.Count, total),
                async line =>
                {
                    // Small files go in batches (flushed together, one catalog commit each), reported in
                    // order as each is recorded.
                    await pool.UploadFilesWithOutcomesAsync(
                        [.. files.Select(f => f.FullPath)],
                        outcome =>
                        {
                            var file = new FileLocation(outcome.Hash, files[outcome.Index].DisplayPath, files[outcome.Index].Length);
                            added += outcome.Added ? 1 : 0;
                            results.Add(file);
                            recorded?.Invoke(file);
                        },
                        new DirectProgress<long>(line.Set),
                        cancellationToken);
                    return true;
                });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The error itself is printed by the caller; first say what did happen.
            console.Info(Summary(added, results.Count - added, listing, failed: 1, notAttempted: files.Count - results.Count - 1));
            throw;
        }

        console.Info(Summary(added, results.Count - added, listing, failed: 0, notAttempted: 0));
        return results;
    }

    /// <summary>The pool's own folders and files, never taken in by an upload.</summary>
    private static List<string> PoolPaths(PoolSettings settings)
    {
        var own = new List<string> { settings.StoragePath };
        if (settings.Catalog.FilePath is { } catalog)
        {
            own.AddRange([catalog, catalog + "-wal", catalog + "-shm", catalog + "-journal"]);
        }

        own.AddRange(settings.Hosts
            .Where(h => h.Kind == "directory" && h.Settings.TryGetValue("path", out var path) && path.Length > 0)
            .Select(h => h.Settings["path"]));
        return own;
    }

    /// <summary>What happened, counted: added, already present, skipped by reason, failed.</summary>
    internal static string Summary(int added, int present, SourceListing listing, int failed, int notAttempted)
    {
        var parts = new List<string>
        {
            added == 0 ? "Added no new file" : $"Added {Counted.Of(added, "new file")}",
            $"{present} already present",
        };
        var skipped = listing.Skipped.GroupBy(s => s.Reason).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Describe(g.Key, g.Count())}").ToList();
        parts.Add(skipped.Count == 0 ? "none skipped" : $"skipped {listing.Skipped.Count}: {string.Join(", ", skipped)}");
        if (failed > 0)
        {
            parts.Add($"{failed} failed (below){(notAttempted > 0 ? $", {notAttempted} not attempted" : "")}");
        }

        return string.Join("; ", parts) + ".";
    }

    private static string Describe(SkipReason reason, int count) => (reason, count == 1) switch
    {
        (SkipReason.SymbolicLink, true) => "symbolic link (not followed; --follow-links follows links)",
        (SkipReason.SymbolicLink, false) => "symbolic links (not followed; --follow-links follows links)",
        (SkipReason.LinkLoop, true) => "link to a folder being walked (a loop)",
        (SkipReason.LinkLoop, false) => "links to a folder being walked (loops)",
        (SkipReason.AlreadyListed, true) => "folder or file reached a second time through a link",
        (SkipReason.AlreadyListed, false) => "folders or files reached a second time through a link",
        (SkipReason.BrokenLink, true) => "broken link",
        (SkipReason.BrokenLink, false) => "broken links",
        (SkipReason.SpecialFile, true) => "named pipe, socket or device (never opened)",
        (SkipReason.SpecialFile, false) => "named pipes, sockets or devices (never opened)",
        (SkipReason.PoolFile, true) => "of the pool's own folders or files (cache, catalog, directory hosts)",
        (SkipReason.PoolFile, false) => "of the pool's own folders or files (cache, catalog, directory hosts)",
        (SkipReason.ForbiddenName, true) => "name with control or invisible characters (rename it to upload it)",
        _ => "names with control or invisible characters (rename them to upload them)",
    };
}
