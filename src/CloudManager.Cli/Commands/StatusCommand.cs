using System.CommandLine;
using System.Globalization;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm status</c>: the cache, both queues, the transfer meter and the hosts at a glance.</summary>
internal static class StatusCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var command = new CliCommand(
            "status",
            "Show the node: cache used/capacity/ratio, the quarantine folder (files taken out of the cache because their bytes did not match their name), the upload queue (files waiting for hosts) and export queue (safe files not yet exported), files LOST (no good copy anywhere) and files known only from other nodes' records, bytes in and out (total and this month), and the hosts with their health. Exit 6 while any file is lost.",
            "cm status",
            "cm status --json | jq '.cache.usage_ratio'");
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var status = await RunAsync(context, cancellationToken);
            context.Console.Print(status, CliJsonContext.Default.StatusResult, WriteText);
            return LostFiles.Conclude(context.Console, status.Lost);
        });
        return command;
    }

    /// <summary>The node's status, with every configured host probed.</summary>
    public static async Task<StatusResult> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var status = await pool.GetStatusAsync(cancellationToken);
        var hosts = await HostReport.GatherAsync(pool, status, settings.Hosts, context.Registry, cancellationToken);
        return StatusResult.From(status, settings.Catalog.Display, settings.ConfigPath, [.. hosts.Select(HostResult.From)]);
    }

    private static void WriteText(CliConsole console, StatusResult status)
    {
        var (files, cache, uploadQueue, exportQueue, hosts) = (status.Files, status.Cache, status.UploadQueue, status.ExportQueue, status.Hosts);
        var (total, month) = (status.Transfers.Total, status.Transfers.ThisMonth);
        var lines = new TextTable("", "");
        lines.Add("node", status.NodeId);
        lines.Add("catalog", $"{status.Catalog} ({Counted.Of(files.Count, "file")}, {ByteSize.Format(files.Size)})");
        lines.Add("config", status.Config ?? "none (embedded default; `cm init` writes one)");
        lines.Add("cache", $"{ByteSize.Format(cache.UsedBytes)} used of {ByteSize.Format(cache.CapacityBytes)} ({(cache.UsageRatio * 100).ToString("0.0", CultureInfo.InvariantCulture)}%), at most {ByteSize.Format(cache.LimitBytes)}; {cache.Path}");
        lines.Add("quarantine", cache.Quarantined.Count == 0
            ? $"empty; {cache.QuarantinePath}"
            : $"{Counted.Of(cache.Quarantined.Count, "file")}, {ByteSize.Format(cache.Quarantined.Size)} taken out of the cache (bytes not matching their name), not counted as used; {cache.QuarantinePath}");
        lines.Add("upload queue", $"{Counted.Of(uploadQueue.Count, "file")}, {ByteSize.Format(uploadQueue.Size)} waiting for hosts");
        lines.Add("export queue", $"{Counted.Of(exportQueue.Count, "file")}, {ByteSize.Format(exportQueue.Size)} not yet exported");
        if (status.Lost.Count > 0)
        {
            lines.Add("LOST", $"{Counted.Of(status.Lost.Count, "file")}, {ByteSize.Format(status.Lost.Size)}: no good copy on any host and in no cache (`cm list --lost` names them)");
        }

        if (status.Unconfirmed.Count > 0)
        {
            lines.Add("unconfirmed", $"{Counted.Of(status.Unconfirmed.Count, "file")}, {ByteSize.Format(status.Unconfirmed.Size)} known only from other nodes' records; `cm verify` or `cm sync` looks for their copies");
        }

        lines.Add("transfers", $"in {ByteSize.Format(total.IncomingBytes)}, out {ByteSize.Format(total.OutgoingBytes)} in total; in {ByteSize.Format(month.IncomingBytes)}, out {ByteSize.Format(month.OutgoingBytes)} in {month.Month}");
        lines.Add("hosts", hosts.Count == 0 ? "none configured: files stay pending" : $"{hosts.Count}, {hosts.Count(h => h.Health == "ok")} ok");
        foreach (var line in lines.Lines(includeHeader: false))
        {
            console.WriteData(line);
        }

        if (hosts.Count == 0)
        {
            return;
        }

        var table = new TextTable("  NAME", "KIND", "HEALTH", "COPIES", "LAST ERROR").AlignRight(3);
        foreach (var host in hosts)
        {
            table.Add("  " + host.Name, host.Kind, host.Health, host.Copies.ToString(CultureInfo.InvariantCulture), host.ProbeError ?? host.LastError ?? "-");
        }

        foreach (var line in table.Lines())
        {
            console.WriteData(line);
        }
    }
}
