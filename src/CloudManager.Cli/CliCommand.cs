using System.CommandLine;

namespace CloudManager.Cli;

/// <summary>A <c>cm</c> command: a System.CommandLine command with the examples its help shows.</summary>
internal sealed class CliCommand : Command
{
    public CliCommand(string name, string description, params string[] examples)
        : base(name, description)
    {
        Examples = examples;
    }

    public IReadOnlyList<string> Examples { get; }

    /// <summary>Writes more help after the examples, such as tables of settings; null for none.</summary>
    public Action<TextWriter>? MoreHelp { get; set; }
}
