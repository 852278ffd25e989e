using System.CommandLine;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm help [COMMAND...]</c>: the help of <c>cm</c> or of one command, as <c>--help</c> shows it.</summary>
internal static class HelpCommand
{
    public static CliCommand Create(RootCommand root)
    {
        var words = new Argument<string[]>("command")
        {
            Description = "The command to explain, as typed after cm (for example: hosts test); none for the overview.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new CliCommand("help", "Show the help of cm or of one command (the same as --help).", "cm help", "cm help hosts test") { words };
        command.SetAction(parseResult =>
        {
            string[] path = parseResult.GetValue(words) ?? [];
            var target = root.Parse(path);
            if (target.UnmatchedTokens.Count > 0)
            {
                Console.Error.WriteLine($"cm: {UsageErrors.Describe(target)}");
                return ExitCodes.Usage;
            }

            return root.Parse([.. path, "--help"]).Invoke(new() { Output = parseResult.InvocationConfiguration.Output });
        });
        return command;
    }
}
