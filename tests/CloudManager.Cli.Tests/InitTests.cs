namespace CloudManager.Cli.Tests;

public sealed class InitTests
{
    [Fact]
    public async Task Init_writes_a_commented_config_that_cm_then_uses()
    {
        using var sandbox = new CmSandbox();

        var init = await sandbox.RunAsync("init", "--capacity", "2GiB");

        Assert.True(init.ExitCode == 0, init.ToString());
        var config = Path.Combine(sandbox.Home, ".config", "cloud-manager", "config.json");
        var text = File.ReadAllText(config);
        Assert.Contains("// ", text, StringComparison.Ordinal);
        Assert.Contains("\"capacity\": \"2GiB\"", text, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"directory\"", text, StringComparison.Ordinal);

        sandbox.WriteFile("f.txt", "configured");
        var upload = await sandbox.RunAsync("upload", "f.txt");
        Assert.True(upload.ExitCode == 0, upload.ToString());
        Assert.DoesNotContain("no config file found", upload.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await sandbox.RunAsync("sync")).ExitCode);
        var status = await sandbox.RunAsync("status", "--json");
        Assert.Contains($"\"config\": \"{config}\"", status.Stdout, StringComparison.Ordinal);
        Assert.Contains($"\"capacity_bytes\": {2L << 30}", status.Stdout, StringComparison.Ordinal);

        var again = await sandbox.RunAsync("init");
        Assert.Equal(3, again.ExitCode);
        Assert.Contains("--force", again.Stderr, StringComparison.Ordinal);
    }
}
