namespace CloudManager.Cli.Tests;

public sealed class VerifyTests
{
    [Fact]
    public async Task Verify_reports_a_lost_copy_and_sync_copies_the_file_again()
    {
        using var sandbox = new CmSandbox();
        var content = CmSandbox.RandomBytes(90_000);
        sandbox.WriteFile("kept.bin", content);
        var hash = Hashes.Of(content);
        Assert.Equal(0, (await sandbox.RunAsync("upload", "kept.bin")).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("sync")).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("evict", hash)).ExitCode);

        var clean = await sandbox.RunAsync("verify", "--deep");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains($"{hash}  3/3 good  safe  kept.bin", clean.Stdout, StringComparison.Ordinal);

        var lost = Path.Combine(sandbox.DataFolder, "hosts", "host-2", hash[..2], hash);
        Assert.True(File.Exists(lost), $"expected the embedded default's host-2 copy at {lost}");
        File.Delete(lost);
        var found = await sandbox.RunAsync("verify", "--json");
        Assert.Equal(6, found.ExitCode);
        Assert.Contains("\"lost_copies\": 1", found.Stdout, StringComparison.Ordinal);
        Assert.Contains("run `cm sync`", found.Stderr, StringComparison.Ordinal);

        var sync = await sandbox.RunAsync("sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Contains($"{hash}  3/3  safe", sync.Stdout, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllBytes(lost));
        Assert.Equal(0, (await sandbox.RunAsync("verify", "--deep")).ExitCode);
    }
}
