using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm sync</c>: copies pending files to the hosts (the seed's <c>cloud_sync</c>).</summary>
internal static class SyncCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var command = new CliCommand(
            "sync",
            "Copy every file that lacks copies to the hosts (up to the redundancy). A file held by at least minCopies hosts is safe: it may be evicted and exported. Bytes are verified on the way out: a cached copy damaged on disk reaches no host, is moved to the cache's quarantine/ folder and fetched again from a good copy on a host. Prints one line per file, then a summary on stderr; exits 6 if a file is LOST (its cached copy was damaged and no host holds a good one), else 5 if files are still pending.",
            "cm sync",
            "cm sync --json | jq '.files_pending'");
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var result = await RunAsync(context, cancellationToken);
            context.Console.Print(result, CliJsonContext.Default.SyncResult, WriteText);
            return Conclude(context.Console, result);
        });
        return command;
    }

    /// <summary>Copies every file short of copies to the hosts, with a progress bar when there is much to copy.</summary>
    public static async Task<SyncResult> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var target = Math.Min(pool.Options.Redundancy, pool.Hosts.Count);
        if (target == 0)
        {
            var queue = await pool.UploadQueueInfoAsync(cancellationToken);
            if (queue.Count > 0)
            {
                throw new CliException(
                    ExitCodes.Failed,
                    $"No hosts are configured, so {Counted.Of(queue.Count, "pending file")} cannot be copied anywhere: add hosts to the config file ({context.Settings.ConfigPath ?? "see `cm init`"}).");
            }
        }

        var plan = await pool.GetSyncPlanAsync(cancellationToken);
        var (pending, bytes) = (plan.Pending, plan.PendingBytes);
        var report = await ProgressDisplay.RunAsync(
            context.Console,
            $"syncing {Counted.Of(pending.Count, "file")}",
            bytes,
            inBytes: true,
            ProgressDisplay.IsWorthShowing(pending.Count, bytes),
            line => pool.SyncAsync(new DirectProgress<FileSyncReport>(file => line.Advance(file.Size)), cancellationToken));
        return SyncResult.From(report, target, pool.Options.MinCopies);
    }

    private static void WriteText(CliConsole console, SyncResult result)
    {
        foreach (var file in result.Details)
        {
            var state = file.Lost ? "LOST" : file.Safe ? "safe" : "pending";
            console.WriteData($"{file.Hash}  {file.CopiesAfter}/{result.Target}  {state}{(file.CachedCopyDamaged ? " (cached copy was damaged)" : "")}  {FileNames.ForDisplay(file.Name)}");
        }
    }

    /// <summary>The summary on stderr, with or without <c>--json</c>, and the exit code: 6 when a file is lost, else 5 when files are still pending.</summary>
    private static int Conclude(CliConsole console, SyncResult result)
    {
        console.Info(
            $"sync: {Counted.Of(result.Files, "file")}, {Counted.Of(result.CopiesMade, "copy")} made ({ByteSize.Format(result.BytesSent)}), {Counted.Of(result.FailedAttempts, "failed attempt")}, {Counted.Of(result.FilesPending, "file")} still pending.");
        foreach (var file in result.Details.Where(f => f.CachedCopyDamaged))
        {
            console.Fail(file.Lost
                ? $"LOST: {file.Hash} ({file.Name}): its cached copy is damaged (its bytes do not match its hash) and no host holds a good copy; nothing was sent anywhere. The damaged bytes were kept in {file.QuarantinePath}; upload the file again if you still have it."
                : $"{file.Hash} ({file.Name}): its cached copy was damaged; nothing damaged was sent, the damaged bytes were kept in {file.QuarantinePath}, and a good copy was fetched from a host{(file.Safe ? " and copied on" : "")}.");
        }

        if (result.FilesLost > 0)
        {
            return ExitCodes.DataInvalid;
        }

        if (result.FilesPending > 0)
        {
            console.Fail(
                $"{Counted.Of(result.FilesPending, "file")} {(result.FilesPending == 1 ? "is" : "are")} still held by fewer than {Counted.Of(result.MinCopies, "host")} and {(result.FilesPending == 1 ? "stays" : "stay")} pending: check `cm hosts` (on a shared catalog, another node may be copying {(result.FilesPending == 1 ? "it" : "them")} right now), then run `cm sync` again.");
            return ExitCodes.HostUnreachable;
        }

        return ExitCodes.Ok;
    }
}
