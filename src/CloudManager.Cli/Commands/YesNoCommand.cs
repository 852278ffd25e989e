using System.CommandLine;
using CloudManager.Cli.Output;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm exists</c> and <c>cm on-cache</c>: answer with the exit code, like <c>test</c> (0 yes, 1 no).</summary>
internal static class YesNoCommand
{
    public static CliCommand Exists(GlobalOptions globals) => Create(
        globals,
        "exists",
        "Whether the catalog knows the file: exit code 0 yes, 1 no (like `test`); --json prints true or false.",
        "known to the catalog",
        "not known to the catalog",
        (pool, hash, cancellationToken) => pool.ExistsAsync(hash, cancellationToken),
        "cm exists $HASH && echo known",
        "cm exists --json $HASH");

    public static CliCommand OnCache(GlobalOptions globals) => Create(
        globals,
        "on-cache",
        "Whether this node's cache holds the file now: exit code 0 yes, 1 no (like `test`); --json prints true or false.",
        "in this node's cache",
        "not in this node's cache",
        (pool, hash, cancellationToken) => pool.OnCacheAsync(hash, cancellationToken),
        "cm on-cache $HASH || cm warm-up $HASH",
        "cm on-cache --json $HASH");

    private static CliCommand Create(
        GlobalOptions globals,
        string name,
        string description,
        string yes,
        string no,
        Func<CloudPool, string, CancellationToken, Task<bool>> ask,
        params string[] examples)
    {
        var hash = HashArgument.Create();
        var command = new CliCommand(name, description, examples) { hash };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var text = context.Value(hash);
            var answer = await RunAsync(context, text, ask, cancellationToken);
            context.Console.Print(answer, CliJsonContext.Default.Boolean, (console, found) => console.Info($"{text}: {(found ? yes : no)}"));
            return answer ? ExitCodes.Ok : ExitCodes.NotFound;
        });
        return command;
    }

    /// <summary>The answer to <paramref name="ask"/> about <paramref name="hash"/>, from the catalog alone.</summary>
    public static async Task<bool> RunAsync(
        CommandContext context, string hash, Func<CloudPool, string, CancellationToken, Task<bool>> ask, CancellationToken cancellationToken)
    {
        await using var pool = await context.CreateLazyPoolAsync(cancellationToken);
        return await ask(pool, hash, cancellationToken);
    }
}
