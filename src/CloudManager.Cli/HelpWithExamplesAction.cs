using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace CloudManager.Cli;

/// <summary>
/// The standard help, followed by the command's examples; the top-level help also lists the exit
/// codes, where the config comes from and the environment variables.
/// </summary>
internal sealed class HelpWithExamplesAction(HelpAction standard, IReadOnlyList<string> rootExamples) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var result = standard.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        var command = parseResult.CommandResult.Command;
        var examples = command is CliCommand cli ? cli.Examples : command is RootCommand ? rootExamples : [];
        if (examples.Count > 0)
        {
            output.WriteLine("Examples:");
            foreach (var example in examples)
            {
                output.WriteLine("  " + example);
            }

            output.WriteLine();
        }

        if (command is CliCommand { MoreHelp: { } more })
        {
            more(output);
            output.WriteLine();
        }

        if (command is RootCommand)
        {
            output.WriteLine("Configuration:");
            output.WriteLine($"  --config FILE, else ${EnvironmentNames.Config}, else ./cloudmanager.json, else ~/.config/cloud-manager/config.json");
            output.WriteLine("  ($XDG_CONFIG_HOME); with none of them, an embedded default keeps the catalog, cache and three");
            output.WriteLine("  directory hosts under ~/.local/share/cloud-manager ($XDG_DATA_HOME). `cm init` writes a config.");
            output.WriteLine($"  Environment overrides: {EnvironmentNames.Database}, {EnvironmentNames.Storage}, {EnvironmentNames.Capacity}, {EnvironmentNames.MaxFill}, {EnvironmentNames.EvictionPolicy},");
            output.WriteLine($"  {EnvironmentNames.Redundancy}, {EnvironmentNames.MinCopies}, {EnvironmentNames.NodeId}, {EnvironmentNames.HostSettingPattern} (the only place for secrets).");
            output.WriteLine();
        }

        output.WriteLine("Exit codes:");
        foreach (var (code, meaning) in ExitCodes.All)
        {
            output.WriteLine($"  {code,3}  {meaning}");
        }

        output.WriteLine();
        return result;
    }
}
