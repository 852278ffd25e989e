using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;
using CloudManager.Gateway.Api;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm evict</c>, <c>cm pin</c>, <c>cm unpin</c>: what this node keeps in its cache.</summary>
internal static class CacheEntryCommands
{
    public static CliCommand Evict(GlobalOptions globals) => Create(
        globals,
        "evict",
        "Drop a safe file from this node's cache now; it stays on the hosts and `cm download` brings it back. A pending or pinned file is refused (exit 3).",
        "Evicted {0} from the cache; the hosts still hold it.",
        (pool, hash, cancellationToken) => pool.EvictAsync(hash, cancellationToken),
        hash => new EvictResult(hash, true),
        CliJsonContext.Default.EvictResult,
        "cm evict $HASH");

    public static CliCommand Pin(GlobalOptions globals) => Create(
        globals,
        "pin",
        "Keep a cached file in this node's cache whatever the eviction policy says.",
        "Pinned {0}: it stays in the cache until `cm unpin`.",
        (pool, hash, cancellationToken) => pool.PinAsync(hash, cancellationToken),
        hash => new PinResult(hash, true),
        CliJsonContext.Default.PinResult,
        "cm warm-up $HASH && cm pin $HASH");

    public static CliCommand Unpin(GlobalOptions globals) => Create(
        globals,
        "unpin",
        "Let the eviction policy decide about a cached file again.",
        "Unpinned {0}.",
        (pool, hash, cancellationToken) => pool.UnpinAsync(hash, cancellationToken),
        hash => new UnpinResult(hash, true),
        CliJsonContext.Default.UnpinResult,
        "cm unpin $HASH");

    private static CliCommand Create<TResult>(
        GlobalOptions globals,
        string name,
        string description,
        string doneMessage,
        Func<CloudPool, string, CancellationToken, Task<bool>> change,
        Func<string, TResult> done,
        JsonTypeInfo<TResult> json,
        params string[] examples)
    {
        var hash = HashArgument.Create();
        var command = new CliCommand(name, description, examples) { hash };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var text = context.Value(hash);
            var result = await RunAsync(context, name, text, change, done, cancellationToken);
            context.Console.Print(result, json, (console, _) => console.Info(string.Format(CultureInfo.InvariantCulture, doneMessage, text)));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Applies <paramref name="change"/> to the cache entry of <paramref name="hash"/>; a file not cached, or unknown, throws.</summary>
    public static async Task<TResult> RunAsync<TResult>(
        CommandContext context,
        string name,
        string hash,
        Func<CloudPool, string, CancellationToken, Task<bool>> change,
        Func<string, TResult> done,
        CancellationToken cancellationToken)
    {
        await using var pool = await context.OpenPoolAsync(cancellationToken);
        if (!await change(pool, hash, cancellationToken))
        {
            throw await pool.ExistsAsync(hash, cancellationToken)
                ? CliException.NotFound($"{hash} is not in this node's cache{(name == "evict" ? "" : ": run `cm warm-up` first")}.")
                : new UnknownContentException(ContentHash.Parse(hash));
        }

        return done(hash.ToLowerInvariant());
    }
}
