using System.CommandLine;
using System.Globalization;
using CloudManager.Catalog;
using CloudManager.Cli.Output;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm status</c>: the cache, both queues, the transfer meter and the hosts at a glance.</summary>
internal static class StatusCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var command = new CliCommand(
            "status",
            "Show the node: cache used/capacity/ratio, the upload queue (files waiting for hosts) and export queue (safe files not yet exported), bytes in and out (total and this month), and the hosts with their health.",
            "cm status",
            "cm status --json | jq '.cache.usage_ratio'");
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var console = context.Console;
            var settings = context.Settings;
            await using var pool = await context.OpenPoolAsync(cancellationToken);
            var status = await pool.GetStatusAsync(cancellationToken);
            var (nodeId, used, uploadQueue, exportQueue, files) = (status.NodeId, status.Cache.UsedBytes, status.UploadQueue, status.ExportQueue, status.Files);
            var (total, month, monthKey) = (status.Transfers.Total, status.Transfers.ThisMonth, status.Transfers.Month);
            var hosts = await HostReport.GatherAsync(pool, settings.Hosts, context.Registry, cancellationToken);
            var ratio = status.Cache.UsageRatio;

            if (console.Json)
            {
                JsonOutput.Write(console, json =>
                {
                    json.WriteStartObject();
                    json.WriteString("node_id", nodeId);
                    json.WriteString("catalog", settings.Catalog.Display);
                    json.WriteNullableString("config", settings.ConfigPath);
                    json.WriteStartObject("files");
                    json.WriteNumber("count", files.Count);
                    json.WriteNumber("size", files.Size);
                    json.WriteEndObject();
                    json.WriteStartObject("cache");
                    json.WriteString("path", pool.StoragePath);
                    json.WriteNumber("used_bytes", used);
                    json.WriteNumber("capacity_bytes", pool.Capacity);
                    json.WriteNumber("limit_bytes", pool.CacheLimit);
                    json.WriteNumber("usage_ratio", ratio);
                    json.WriteEndObject();
                    WriteQueue(json, "upload_queue", uploadQueue);
                    WriteQueue(json, "export_queue", exportQueue);
                    json.WriteStartObject("transfers");
                    WriteTotals(json, "total", total, null);
                    WriteTotals(json, "this_month", month, monthKey);
                    json.WriteEndObject();
                    json.WriteStartArray("hosts");
                    foreach (var host in hosts)
                    {
                        HostReport.WriteJson(json, host);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                });
                return ExitCodes.Ok;
            }

            var lines = new TextTable("", "");
            lines.Add("node", nodeId);
            lines.Add("catalog", $"{settings.Catalog.Display} ({files.Count} file(s), {ByteSize.Format(files.Size)})");
            lines.Add("config", settings.ConfigPath ?? "none (embedded default; `cm init` writes one)");
            lines.Add("cache", $"{ByteSize.Format(used)} used of {ByteSize.Format(pool.Capacity)} ({(ratio * 100).ToString("0.0", CultureInfo.InvariantCulture)}%), at most {ByteSize.Format(pool.CacheLimit)}; {pool.StoragePath}");
            lines.Add("upload queue", $"{uploadQueue.Count} file(s), {ByteSize.Format(uploadQueue.Size)} waiting for hosts");
            lines.Add("export queue", $"{exportQueue.Count} file(s), {ByteSize.Format(exportQueue.Size)} not yet exported");
            lines.Add("transfers", $"in {ByteSize.Format(total.Incoming)}, out {ByteSize.Format(total.Outgoing)} in total; in {ByteSize.Format(month.Incoming)}, out {ByteSize.Format(month.Outgoing)} in {monthKey}");
            lines.Add("hosts", hosts.Count == 0 ? "none configured: files stay pending" : $"{hosts.Count}, {hosts.Count(h => h.Health == "ok")} ok");
            foreach (var line in lines.Lines(includeHeader: false))
            {
                console.WriteData(line);
            }

            if (hosts.Count == 0)
            {
                return ExitCodes.Ok;
            }

            var table = new TextTable("  NAME", "KIND", "HEALTH", "COPIES", "LAST ERROR").AlignRight(3);
            foreach (var host in hosts)
            {
                table.Add("  " + host.Name, host.Kind, host.Health, host.Copies.ToString(CultureInfo.InvariantCulture), host.ProbeError ?? host.History.LastError ?? "-");
            }

            foreach (var line in table.Lines())
            {
                console.WriteData(line);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteQueue(System.Text.Json.Utf8JsonWriter json, string name, QueueInfo queue)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", queue.Count);
        json.WriteNumber("size", queue.Size);
        json.WriteEndObject();
    }

    private static void WriteTotals(System.Text.Json.Utf8JsonWriter json, string name, TransferTotals totals, string? month)
    {
        json.WriteStartObject(name);
        if (month is not null)
        {
            json.WriteString("month", month);
        }

        json.WriteNumber("incoming_bytes", totals.Incoming);
        json.WriteNumber("outgoing_bytes", totals.Outgoing);
        json.WriteEndObject();
    }
}
