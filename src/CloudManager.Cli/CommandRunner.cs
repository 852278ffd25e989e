using System.CommandLine;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Output;

namespace CloudManager.Cli;

/// <summary>Runs a command's body and turns whatever it throws into one line on stderr and an exit code.</summary>
internal static class CommandRunner
{
    public static void SetAction(Command command, GlobalOptions globals, Func<CommandContext, CancellationToken, Task<int>> body) =>
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, globals, body, cancellationToken));

    private static async Task<int> RunAsync(
        ParseResult parseResult, GlobalOptions globals, Func<CommandContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var console = CliConsole.ForProcess(parseResult.GetValue(globals.Json), parseResult.GetValue(globals.Quiet), parseResult.GetValue(globals.Verbose));
        var resolver = new SettingsResolver(Environment.GetEnvironmentVariable, Environment.CurrentDirectory, CliHosts.Registry);
        var context = new CommandContext(parseResult, globals, console, resolver, CliHosts.Registry);
        try
        {
            return await body(context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.Fail("interrupted; nothing half-written was left behind.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            var (exitCode, message) = ErrorDescriptions.Describe(e);
            console.Fail(message);
            if (console.Verbose)
            {
                console.Error.WriteLine(e.ToString());
            }

            return exitCode;
        }
    }
}
