using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using CloudManager.Cli.Commands;

namespace CloudManager.Cli;

/// <summary>Builds the <c>cm</c> command tree and runs one command line.</summary>
internal static class CliApplication
{
    private static readonly string[] RootExamples =
    [
        "cm upload README.md && cm sync && cm status",
        "cm download $HASH -o copy.md",
        "cm list --json",
    ];

    public static RootCommand Build()
    {
        var globals = new GlobalOptions();
        var root = new RootCommand(
            "cm: keep files known by their SHA-256 in a catalog, a bounded local cache and on several storage hosts. "
            + "Data (hashes, paths, tables, JSON) goes to stdout; messages, progress and errors to stderr.");
        foreach (var option in globals.All)
        {
            root.Options.Add(option);
        }

        Command[] commands =
        [
            SetupDbCommand.Create(globals),
            UploadCommand.Create(globals),
            SyncCommand.Create(globals),
            WarmUpCommand.Create(globals),
            DownloadCommand.Create(globals),
            YesNoCommand.Exists(globals),
            YesNoCommand.OnCache(globals),
            InfoCommand.Create(globals),
            ListCommand.Create(globals),
            StatusCommand.Create(globals),
            HostsCommand.Create(globals),
            VerifyCommand.Create(globals),
            RecoverCommand.Create(globals),
            DumpCommand.Create(globals),
            LoadCommand.Create(globals),
            CacheEntryCommands.Evict(globals),
            CacheEntryCommands.Pin(globals),
            CacheEntryCommands.Unpin(globals),
            InitCommand.Create(globals),
            ServeCommand.Create(globals),
        ];
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(HelpCommand.Create(root));

        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamplesAction((HelpAction)help.Action!, RootExamples);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parseResult = root.Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            // One line, exit code 2: System.CommandLine's own handler prints the whole help and exits 1.
            // A mistyped option taken as an argument explains what follows it (an argument too many): name it first.
            await Console.Error.WriteLineAsync($"cm: {UsageErrors.FindOptionLikeArgument(parseResult, args) ?? UsageErrors.Describe(parseResult)}");
            return ExitCodes.Usage;
        }

        if (parseResult.Action is not HelpWithExamplesAction && UsageErrors.FindOptionLikeArgument(parseResult, args) is { } optionLike)
        {
            await Console.Error.WriteLineAsync($"cm: {optionLike}");
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            // Errors are mapped to exit codes by CommandRunner; a stack trace only with -v.
            EnableDefaultExceptionHandler = false,
            // Time for a cancelled command to delete its temporary files after Ctrl-C.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
        };
        return await parseResult.InvokeAsync(configuration);
    }
}
