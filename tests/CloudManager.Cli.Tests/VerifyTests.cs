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
        Assert.Contains("cm: 1 copy was found missing or damaged: run `cm sync`", found.Stderr, StringComparison.Ordinal);

        var sync = await sandbox.RunAsync("sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Contains($"{hash}  3/3  safe", sync.Stdout, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllBytes(lost));
        Assert.Equal(0, (await sandbox.RunAsync("verify", "--deep")).ExitCode);
    }

    [Fact]
    public async Task A_file_copied_to_too_few_hosts_yet_is_a_warning_not_a_loss()
    {
        using var sandbox = new CmSandbox();
        sandbox.WriteFile("new.bin", CmSandbox.RandomBytes(1000));
        // Synced where one copy was enough; then the minimum is raised to two and two hosts are added.
        var one = Config(sandbox, "one.json", minCopies: 1, hosts: 1);
        var three = Config(sandbox, "three.json", minCopies: 2, hosts: 3);
        Assert.Equal(0, (await sandbox.RunAsync("setup-db", Path.Combine(sandbox.Work, "catalog.db"))).ExitCode);
        Assert.Equal(0, (await sandbox.RunAsync("--config", one, "upload", "new.bin")).ExitCode);
        var sync = await sandbox.RunAsync("--config", one, "sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());

        var verify = await sandbox.RunAsync("--config", three, "verify");

        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("1/1 good  AT RISK  new.bin", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("cm: warning: 1 file has fewer than 2 good copies because it has not been copied that often yet", verify.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("lost", verify.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    private static string Config(CmSandbox sandbox, string name, int minCopies, int hosts)
    {
        foreach (var i in Enumerable.Range(1, hosts))
        {
            Directory.CreateDirectory(Path.Combine(sandbox.Work, $"host-{i}"));
        }

        var list = string.Join(", ", Enumerable.Range(1, hosts).Select(i => $$"""{ "name": "host-{{i}}", "kind": "directory", "settings": { "path": "{{Path.Combine(sandbox.Work, $"host-{i}")}}" } }"""));
        return sandbox.WriteFile(name, $$"""
            { "catalog": "{{Path.Combine(sandbox.Work, "catalog.db")}}", "cache": "{{Path.Combine(sandbox.Work, "cache")}}", "capacity": "64MiB",
              "redundancy": {{hosts}}, "minCopies": {{minCopies}}, "hosts": [ {{list}} ] }
            """);
    }
}
