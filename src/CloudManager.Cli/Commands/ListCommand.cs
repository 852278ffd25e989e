using System.CommandLine;
using CloudManager.Catalog;
using CloudManager.Cli.Output;
using CloudManager.Gateway.Api;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm list</c>: the files in the catalog with their state and whether this node caches them.</summary>
internal static class ListCommand
{
    private const int PageSize = 1000;

    public static CliCommand Create(GlobalOptions globals)
    {
        var lostOnly = new Option<bool>("--lost") { Description = "List only the files that are lost." };
        var command = new CliCommand(
            "list",
            "List the files in the catalog: hash, size, state (pending: fewer than minCopies hosts hold it; safe: enough do; LOST: no configured host holds a good copy and no node caches it), copies on hosts, whether this node caches it, name. Exit 6 while any file is lost.",
            "cm list",
            "cm list --lost",
            "cm list --json | jq -r '.[] | select(.state == \"pending\") | .hash'")
        {
            lostOnly,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var files = await RunAsync(context, cancellationToken);
            var lost = files.Where(f => f.State == "lost").ToList();
            if (context.Value(lostOnly))
            {
                context.Console.Print(lost, CliJsonContext.Default.IReadOnlyListFileItem, WriteLost);
            }
            else
            {
                context.Console.Print(files, CliJsonContext.Default.IReadOnlyListFileItem, WriteText);
            }

            return LostFiles.Conclude(context.Console, new QueueInfo(lost.Count, lost.Sum(f => f.Size)));
        });
        return command;
    }

    /// <summary>Every file in the catalog, in hash order, as the gateway lists them.</summary>
    public static async Task<IReadOnlyList<FileItem>> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var files = new List<FileListing>();
        string? after = null;
        while (true)
        {
            var page = await pool.ListFilesAsync(after, PageSize, cancellationToken);
            files.AddRange(page);
            if (page.Count < PageSize)
            {
                break;
            }

            after = page[^1].File.Hash.ToString();
        }

        var minCopies = pool.Options.MinCopies;
        return [.. files.Select(f => FileItem.From(f, minCopies))];
    }

    private static void WriteLost(CliConsole console, IReadOnlyList<FileItem> files)
    {
        if (files.Count == 0)
        {
            console.Info("No file is lost.");
            return;
        }

        WriteText(console, files);
    }

    private static void WriteText(CliConsole console, IReadOnlyList<FileItem> files)
    {
        if (files.Count == 0)
        {
            console.Info("The catalog has no files yet: add some with `cm upload <file>`.");
            return;
        }

        var table = new TextTable("HASH", "SIZE", "STATE", "COPIES", "CACHED", "NAME").AlignRight(1, 3);
        foreach (var file in files)
        {
            table.Add(
                file.Hash,
                ByteSize.Format(file.Size),
                file.State == "lost" ? "LOST" : file.State,
                file.Copies.ToString(System.Globalization.CultureInfo.InvariantCulture),
                file.Pinned ? "pinned" : file.Cached ? "yes" : "no",
                FileNames.ForDisplay(file.Name));
        }

        foreach (var line in table.Lines())
        {
            console.WriteData(line);
        }
    }
}
