using System.CommandLine;
using CloudManager.Cli.Output;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm evict</c>, <c>cm pin</c>, <c>cm unpin</c>: what this node keeps in its cache.</summary>
internal static class CacheEntryCommands
{
    public static CliCommand Evict(GlobalOptions globals) => Create(
        globals,
        "evict",
        "Drop a safe file from this node's cache now; it stays on the hosts and `cm download` brings it back. A pending or pinned file is refused (exit 3).",
        "evicted",
        "Evicted {0} from the cache; the hosts still hold it.",
        (pool, hash, cancellationToken) => pool.EvictAsync(hash, cancellationToken),
        "cm evict $HASH");

    public static CliCommand Pin(GlobalOptions globals) => Create(
        globals,
        "pin",
        "Keep a cached file in this node's cache whatever the eviction policy says.",
        "pinned",
        "Pinned {0}: it stays in the cache until `cm unpin`.",
        (pool, hash, cancellationToken) => pool.PinAsync(hash, cancellationToken),
        "cm warm-up $HASH && cm pin $HASH");

    public static CliCommand Unpin(GlobalOptions globals) => Create(
        globals,
        "unpin",
        "Let the eviction policy decide about a cached file again.",
        "unpinned",
        "Unpinned {0}.",
        (pool, hash, cancellationToken) => pool.UnpinAsync(hash, cancellationToken),
        "cm unpin $HASH");

    private static CliCommand Create(
        GlobalOptions globals,
        string name,
        string description,
        string jsonField,
        string doneMessage,
        Func<CloudPool, string, CancellationToken, Task<bool>> change,
        params string[] examples)
    {
        var hash = HashArgument.Create();
        var command = new CliCommand(name, description, examples) { hash };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var text = context.Value(hash);
            await using var pool = await context.OpenPoolAsync(cancellationToken);
            if (!await change(pool, text, cancellationToken))
            {
                throw await pool.ExistsAsync(text, cancellationToken)
                    ? CliException.NotFound($"{text} is not in this node's cache{(name == "evict" ? "" : ": run `cm warm-up` first")}.")
                    : new UnknownContentException(ContentHash.Parse(text));
            }

            if (context.Console.Json)
            {
                JsonOutput.Write(context.Console, json =>
                {
                    json.WriteStartObject();
                    json.WriteString("hash", text.ToLowerInvariant());
                    json.WriteBoolean(jsonField, true);
                    json.WriteEndObject();
                });
            }
            else
            {
                context.Console.Info(string.Format(System.Globalization.CultureInfo.InvariantCulture, doneMessage, text));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
