using System.CommandLine;
using CloudManager.Cli.Output;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm sync</c>: copies pending files to the hosts (the seed's <c>cloud_sync</c>).</summary>
internal static class SyncCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var command = new CliCommand(
            "sync",
            "Copy every file that lacks copies to the hosts (up to the redundancy). A file held by at least minCopies hosts is safe: it may be evicted and exported. Prints one line per file, then a summary on stderr; exits 5 if files are still pending.",
            "cm sync",
            "cm sync --json | jq '.files_pending'");
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var console = context.Console;
            await using var pool = await context.OpenPoolAsync(cancellationToken);
            var target = Math.Min(pool.Options.Redundancy, pool.Hosts.Count);
            if (target == 0)
            {
                var queue = await pool.UploadQueueInfoAsync(cancellationToken);
                if (queue.Count > 0)
                {
                    throw new CliException(
                        ExitCodes.Failed,
                        $"No hosts are configured, so {queue.Count} pending file(s) cannot be copied anywhere: add hosts to the config file ({context.Settings.ConfigPath ?? "see `cm init`"}).");
                }
            }

            var plan = await pool.GetSyncPlanAsync(cancellationToken);
            var (pending, bytes) = (plan.Pending, plan.PendingBytes);
            var report = await ProgressDisplay.RunAsync(
                console,
                $"syncing {pending.Count} file(s)",
                bytes,
                inBytes: true,
                ProgressDisplay.IsWorthShowing(pending.Count, bytes),
                line => pool.SyncAsync(new DirectProgress<FileSyncReport>(file => line.Advance(file.Size)), cancellationToken));

            if (console.Json)
            {
                WriteJson(console, report);
            }
            else
            {
                foreach (var file in report.Files)
                {
                    console.WriteData($"{file.Hash}  {file.CopiesAfter}/{target}  {(file.IsSafe ? "safe" : "pending")}  {file.Name}");
                }
            }

            console.Info(
                $"sync: {report.Files.Count} file(s), {report.CopiesMade} cop(ies) made ({ByteSize.Format(report.BytesSent)}), {report.FailedAttempts} failed attempt(s), {report.FilesStillPending} file(s) still pending.");
            if (report.FilesStillPending > 0)
            {
                console.Fail(
                    $"{report.FilesStillPending} file(s) are still held by fewer than {pool.Options.MinCopies} hosts and stay pending: check `cm hosts`, then run `cm sync` again.");
                return ExitCodes.HostUnreachable;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteJson(CliConsole console, SyncReport report) => JsonOutput.Write(console, json =>
    {
        json.WriteStartObject();
        json.WriteNumber("files", report.Files.Count);
        json.WriteNumber("copies_made", report.CopiesMade);
        json.WriteNumber("failed_attempts", report.FailedAttempts);
        json.WriteNumber("files_made_safe", report.FilesMadeSafe);
        json.WriteNumber("files_pending", report.FilesStillPending);
        json.WriteNumber("bytes_sent", report.BytesSent);
        json.WriteStartArray("details");
        foreach (var file in report.Files)
        {
            json.WriteStartObject();
            json.WriteString("hash", file.Hash.ToString());
            json.WriteString("name", file.Name);
            json.WriteNumber("size", file.Size);
            json.WriteNumber("copies_before", file.CopiesBefore);
            json.WriteNumber("copies_after", file.CopiesAfter);
            json.WriteBoolean("safe", file.IsSafe);
            json.WriteStartArray("attempts");
            foreach (var attempt in file.Attempts)
            {
                json.WriteStartObject();
                json.WriteString("host", attempt.HostName);
                json.WriteBoolean("succeeded", attempt.Succeeded);
                json.WriteBoolean("retry", attempt.IsRetry);
                json.WriteNullableString("error", attempt.Error);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    });
}
