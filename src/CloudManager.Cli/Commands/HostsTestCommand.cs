using System.CommandLine;
using System.Globalization;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;
using CloudManager.Hosts;

namespace CloudManager.Cli.Commands;

/// <summary>
/// <c>cm hosts test &lt;name&gt;</c>: the checks a user runs before trusting a live host. It writes
/// one small random file of its own, reads it back, verifies it and deletes it; it never touches
/// the pool's copies or the catalog.
/// </summary>
internal static class HostsTestCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var name = new Argument<string>("name") { Description = "The host to test, as named in the config file." };
        var size = new Option<string>("--size")
        {
            Description = "Size of the test file: 1MiB (default), 64KiB, 100MB, plain bytes.",
            HelpName = "size",
            DefaultValueFactory = _ => "1MiB",
        };
        size.Validators.Add(result =>
        {
            if (!ByteSize.TryParse(result.GetValueOrDefault<string>(), out var bytes, out var problem) || bytes < 1)
            {
                result.AddError($"--size: {problem ?? "must be at least 1 byte"}.");
            }
        });
        var command = new CliCommand(
            "test",
            "Check a configured host before trusting it: absent content reads as absent, then upload a random test file, see it exist, read it back and verify its SHA-256, delete it, see it gone. Exit 0 when every check passes, 5 otherwise.",
            "cm hosts test disk-b",
            "cm hosts test s3 --size 64MiB --json")
        {
            name,
            size,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            ByteSize.TryParse(context.Value(size), out var bytes, out _);
            var result = await RunAsync(context, context.Value(name), bytes, cancellationToken);
            context.Console.Print(result, CliJsonContext.Default.HostTestResult, WriteText);
            return result.Passed ? ExitCodes.Ok : ExitCodes.HostUnreachable;
        });
        return command;
    }

    /// <summary>Runs the self-test against the configured host <paramref name="hostName"/> with a test file of <paramref name="bytes"/>.</summary>
    public static async Task<HostTestResult> RunAsync(CommandContext context, string hostName, long bytes, CancellationToken cancellationToken)
    {
        var definition = context.Settings.Hosts.FirstOrDefault(h => h.Name == hostName)
            ?? throw new CliException(
                ExitCodes.NotFound,
                $"No host is named '{hostName}'; configured: {(context.Settings.Hosts.Count == 0 ? "none" : string.Join(", ", context.Settings.Hosts.Select(h => h.Name)))}.");
        await using var host = context.Registry.Create(definition);
        var report = await HostSelfTest.RunAsync(host, new HostSelfTestOptions { ContentLength = bytes }, cancellationToken);
        return HostTestResult.From(report, bytes);
    }

    private static void WriteText(CliConsole console, HostTestResult result)
    {
        var table = new TextTable("STEP", "RESULT", "TIME", "DETAIL").AlignRight(2);
        foreach (var step in result.Steps)
        {
            table.Add(step.Name, step.Outcome, $"{step.Duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms", step.Detail);
        }

        foreach (var line in table.Lines())
        {
            console.WriteData(line);
        }

        console.Info(result.Passed
            ? $"Host '{result.Host}' ({result.Kind}) passed every check with a {ByteSize.Format(result.ContentLength)} file."
            : $"Host '{result.Host}' ({result.Kind}) failed: do not rely on it until `cm hosts test {result.Host}` passes.");
    }
}
