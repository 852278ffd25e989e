using System.CommandLine;

namespace CloudManager.Cli.Tests;

public sealed class HelpTests
{
    public static TheoryData<string> Commands() => new(CliApplication.Build().Subcommands.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_help_shows_an_example_and_the_exit_codes(string command)
    {
        var help = Help(command, "--help");

        var examples = help.IndexOf("Examples:", StringComparison.Ordinal);
        Assert.True(examples >= 0, help);
        Assert.Contains($"cm {command}", help[examples..], StringComparison.Ordinal);
        Assert.Contains("Exit codes:", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Top_level_help_lists_every_command_the_exit_codes_and_the_config_lookup()
    {
        var help = Help("--help");

        foreach (var name in new[] { "setup-db", "upload", "sync", "warm-up", "download", "exists", "on-cache", "info", "list", "status", "hosts", "dump", "load", "evict", "pin", "unpin", "init" })
        {
            Assert.Contains($"  {name} ", help, StringComparison.Ordinal);
        }

        foreach (var (code, _) in ExitCodes.All)
        {
            Assert.Contains($"  {code,3}  ", help, StringComparison.Ordinal);
        }

        Assert.Contains("cloudmanager.json", help, StringComparison.Ordinal);
        Assert.Contains("cm upload README.md", help, StringComparison.Ordinal);
    }

    private static string Help(params string[] args)
    {
        using var output = new StringWriter();
        var exitCode = CliApplication.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output });
        Assert.Equal(0, exitCode);
        return output.ToString();
    }
}
