using System.Collections.Concurrent;
using System.Diagnostics;

namespace CloudManager.Cli.Tests.Campaigns;

/// <summary>The outcome of one cm process that may have been killed: its complete stdout lines, and how it ended.</summary>
/// <param name="Killed">Whether SIGKILL ended it (it was still running at the deadline).</param>
/// <param name="ExitCode">Its exit code when it finished by itself.</param>
/// <param name="Lines">The stdout lines it completed.</param>
/// <param name="Stderr">What it wrote to stderr.</param>
/// <param name="Elapsed">How long it ran.</param>
internal sealed record KillableRun(bool Killed, int ExitCode, IReadOnlyList<string> Lines, string Stderr, TimeSpan Elapsed)
{
    /// <summary>Runs a process and kills it with SIGKILL after <paramref name="killAfter"/> unless it ended first (null: let it finish).</summary>
    public static async Task<KillableRun> StartAsync(ProcessStartInfo start, TimeSpan? killAfter, CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = start };
        var lines = new ConcurrentQueue<string>();
        var stderr = new ConcurrentQueue<string>();
        // OutputDataReceived also hands over a last line cut short by the kill; the campaign's parsers accept only whole lines.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stderr.Enqueue(e.Data);
            }
        };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var killed = false;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(killAfter ?? TimeSpan.FromMinutes(10));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // Process.Kill sends SIGKILL on Unix: no handler, no flush, no cleanup runs.
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: false);
                    killed = true;
                }
            }
        }

        await process.WaitForExitAsync(CancellationToken.None);
        var elapsed = clock.Elapsed;
        if (killed && killAfter is null)
        {
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within 10 minutes.");
        }

        return new KillableRun(killed, killed ? -1 : process.ExitCode, [.. lines], string.Join('\n', stderr), elapsed);
    }
}
