using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

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
        var command = new CliCommand(
            "upload",
            "Add files to the pool (folders recursively): each is hashed, copied into the cache and registered; it stays pending until `cm sync` copies it to the hosts. Prints `<hash>  <path>` per file.",
            "cm upload README.md",
            "cm upload photos/ notes.txt",
            "cm upload --json big.iso | jq -r '.[0].hash'")
        {
            paths,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var console = context.Console;
            // Without --json each line is printed as its file is recorded: when a later file fails, the earlier are known.
            var uploaded = await RunAsync(context, context.Value(paths), console.Json ? null : file => console.WriteData($"{file.Hash}  {file.Path}"), cancellationToken);
            if (console.Json)
            {
                JsonOutput.Write(console, uploaded, CliJsonContext.Default.IReadOnlyListFileLocation);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Adds every file named (folders recursively); <paramref name="recorded"/> hears of each as the catalog records it, in order.</summary>
    public static async Task<IReadOnlyList<FileLocation>> RunAsync(
        CommandContext context, IEnumerable<string> paths, Action<FileLocation>? recorded, CancellationToken cancellationToken)
    {
        var files = Collect(paths);
        var console = context.Console;
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var total = files.Sum(f => f.Length);
        var uploaded = await ProgressDisplay.RunAsync(
            console,
            files.Count == 1 ? $"uploading {Path.GetFileName(files[0].FullPath)}" : $"uploading {files.Count} files",
            total,
            inBytes: true,
            ProgressDisplay.IsWorthShowing(files.Count, total),
            async line =>
            {
                var results = new List<FileLocation>(files.Count);
                // Small files go in batches (flushed together, one catalog commit each), reported in
                // order as each is recorded.
                await pool.UploadFilesAsync(
                    [.. files.Select(f => f.FullPath)],
                    (index, hash) =>
                    {
                        var file = new FileLocation(hash, files[index].DisplayPath, files[index].Length);
                        results.Add(file);
                        recorded?.Invoke(file);
                    },
                    new DirectProgress<long>(line.Set),
                    cancellationToken);
                return results;
            });
        return uploaded;
    }

    /// <summary>Every file named, folders expanded in name order; all checked before anything is uploaded.</summary>
    private static List<InputFile> Collect(IEnumerable<string> arguments)
    {
        var files = new List<InputFile>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.None, IgnoreInaccessible = false };
        foreach (var argument in arguments)
        {
            var full = Path.GetFullPath(argument);
            if (File.Exists(full))
            {
                files.Add(new InputFile(full, argument, new FileInfo(full).Length));
            }
            else if (Directory.Exists(full))
            {
                foreach (var path in Directory.EnumerateFiles(full, "*", options).Order(StringComparer.Ordinal))
                {
                    files.Add(new InputFile(path, Path.Join(argument, Path.GetRelativePath(full, path)), new FileInfo(path).Length));
                }
            }
            else
            {
                throw CliException.NotFound($"Cannot upload '{argument}': no such file or folder.");
            }
        }

        return files;
    }

    private sealed record InputFile(string FullPath, string DisplayPath, long Length);
}
