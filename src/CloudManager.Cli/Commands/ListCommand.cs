using System.CommandLine;
using CloudManager.Catalog;
using CloudManager.Cli.Output;
using CloudManager.Exchange;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm list</c>: the files in the catalog with their state and whether this node caches them.</summary>
internal static class ListCommand
{
    private const int PageSize = 1000;

    public static CliCommand Create(GlobalOptions globals)
    {
        var command = new CliCommand(
            "list",
            "List the files in the catalog: hash, size, state (pending: fewer than minCopies hosts hold it; safe: enough do), copies on hosts, whether this node caches it, name.",
            "cm list",
            "cm list --json | jq -r '.[] | select(.state == \"pending\") | .hash'");
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var console = context.Console;
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
            if (console.Json)
            {
                JsonOutput.Write(console, json =>
                {
                    json.WriteStartArray();
                    foreach (var listing in files)
                    {
                        var file = listing.File;
                        json.WriteStartObject();
                        json.WriteString("hash", file.Hash.ToString());
                        json.WriteString("name", DisplayName(file));
                        json.WriteNumber("size", file.Size);
                        json.WriteString("state", State(file, minCopies));
                        json.WriteNumber("copies", file.StoredCopies);
                        json.WriteBoolean("cached", listing.Cached);
                        json.WriteBoolean("pinned", listing.Pinned);
                        json.WriteTime("created_at", file.CreatedAt);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                });
                return ExitCodes.Ok;
            }

            if (files.Count == 0)
            {
                console.Info("The catalog has no files yet: add some with `cm upload <file>`.");
                return ExitCodes.Ok;
            }

            var table = new TextTable("HASH", "SIZE", "STATE", "COPIES", "CACHED", "NAME").AlignRight(1, 3);
            foreach (var listing in files)
            {
                var file = listing.File;
                table.Add(
                    file.Hash.ToString(),
                    ByteSize.Format(file.Size),
                    State(file, minCopies),
                    file.StoredCopies.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    listing.Pinned ? "pinned" : listing.Cached ? "yes" : "no",
                    DisplayName(file));
            }

            foreach (var line in table.Lines())
            {
                console.WriteData(line);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string State(FileRecord file, int minCopies) => file.StoredCopies >= minCopies ? "safe" : "pending";

    private static string DisplayName(FileRecord file) => new FilePayload(file.Hash, file.Size, file.Name, file.CreatedAt, []).DisplayName;
}
