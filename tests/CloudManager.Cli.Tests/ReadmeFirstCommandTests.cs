namespace CloudManager.Cli.Tests;

/// <summary>The first command of the README, run exactly as written through the repository's ./cm script on a fresh HOME.</summary>
public sealed class ReadmeFirstCommandTests
{
    public const string FirstCommand = "./cm upload README.md && ./cm sync && ./cm status";

    [Fact]
    public async Task First_command_uploads_syncs_and_reports_on_the_embedded_default()
    {
        using var sandbox = new CmSandbox();
        // A folder that looks like the top of a checkout: the script (linked) beside a README.md.
        File.CreateSymbolicLink(Path.Combine(sandbox.Work, "cm"), Path.Combine(CmSandbox.RepositoryRoot, "cm"));
        var readme = sandbox.WriteFile("README.md", "# cloud-manager\n\nKeeps files known by their SHA-256.\n");

        var result = await sandbox.BashAsync(FirstCommand);

        Assert.True(result.ExitCode == 0, result.ToString());
        var hash = Hashes.OfFile(readme);
        Assert.Equal($"{hash}  README.md", result.StdoutLines[0]);
        Assert.Contains($"{hash}  3/3  safe  README.md", result.StdoutLines);
        Assert.Contains(result.StdoutLines, l => l.StartsWith("upload queue", StringComparison.Ordinal) && l.Contains("0 files", StringComparison.Ordinal));
        Assert.Single(result.StderrLines, l => l.Contains("no config file found", StringComparison.Ordinal));
        Assert.Contains("cm init", result.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(sandbox.DataFolder, "catalog.db")));
    }
}
