using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm warm-up &lt;hash&gt;</c>: brings a file into the cache and prints its cached path.</summary>
internal static class WarmUpCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var hash = HashArgument.Create();
        var command = new CliCommand(
            "warm-up",
            "Bring a file into this node's cache (fetched from a host and verified if it was evicted) and print its cached path. Read the cached file; do not change it.",
            "cm warm-up 6e163442e29ec8d7538bc86fe2c4a48778e8ae2254632f0889da753b1c357b1b",
            "sha256sum \"$(cm warm-up $HASH)\"")
        {
            hash,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var result = await RunAsync(context, context.Value(hash), cancellationToken);
            context.Console.Print(result, CliJsonContext.Default.WarmUpResult, (console, cached) => console.WriteData(cached.Path));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Brings the file into the cache, with a progress bar for a large one fetched from a host.</summary>
    public static async Task<WarmUpResult> RunAsync(CommandContext context, string text, CancellationToken cancellationToken)
    {
        var console = context.Console;
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        var payload = await pool.InfoAsync(text, cancellationToken) ?? throw new UnknownContentException(ContentHash.Parse(text));
        var cached = await pool.OnCacheAsync(text, cancellationToken);
        var path = await ProgressDisplay.RunAsync(
            console,
            $"fetching {FileNames.ForDisplay(payload.DisplayName)}",
            payload.FileSize,
            inBytes: true,
            !cached && payload.FileSize >= ProgressDisplay.LargeBytes,
            line =>
            {
                line.Indeterminate(true);
                return pool.WarmUpAsync(text, cancellationToken);
            });
        return new WarmUpResult(payload.FileHash.ToString(), path, payload.FileSize, cached);
    }
}
