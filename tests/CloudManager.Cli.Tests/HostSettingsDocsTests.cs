using System.Text.RegularExpressions;

namespace CloudManager.Cli.Tests;

/// <summary>docs/hosts.md lists each kind's settings as the kind's factory declares them.</summary>
public sealed partial class HostSettingsDocsTests
{
    [Fact]
    public void Each_kinds_settings_table_names_exactly_the_declared_settings()
    {
        var text = File.ReadAllText(Path.Combine(CmSandbox.RepositoryRoot, "docs", "hosts.md"));
        foreach (var kind in CliHosts.Registry.Kinds)
        {
            var section = Regex.Match(text, $"^## {kind}\\s*$(.*?)(?=^## |\\z)", RegexOptions.Multiline | RegexOptions.Singleline);
            Assert.True(section.Success, $"docs/hosts.md has no section '## {kind}'");
            var documented = SettingsRow().Matches(section.Groups[1].Value)
                .SelectMany(row => Code().Matches(row.Groups[1].Value).Select(m => m.Groups[1].Value))
                .Order(StringComparer.Ordinal);
            var declared = CliHosts.Registry.Options("h", kind).Select(o => o.Name).Order(StringComparer.Ordinal);
            Assert.Equal(declared, documented);
        }
    }

    [Fact]
    public void Hosts_help_lists_every_kind_and_setting()
    {
        using var output = new StringWriter();
        CliHosts.WriteSettingsHelp(output);

        foreach (var kind in CliHosts.Registry.Kinds)
        {
            Assert.Contains($"  {kind}\n", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
            Assert.All(CliHosts.Registry.Options("h", kind), o => Assert.Contains(o.Description, output.ToString(), StringComparison.Ordinal));
        }

        Assert.Contains("path*", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("(1 to 64, default 4)", output.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The first cell of a table row other than the header and the rule.</summary>
    [GeneratedRegex(@"^\| (`[^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex SettingsRow();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();
}
