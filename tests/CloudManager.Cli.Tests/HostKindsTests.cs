using CloudManager.Testing;

namespace CloudManager.Cli.Tests;

/// <summary>cm with hosts of every networked kind from its config file, against the test servers.</summary>
public sealed class HostKindsTests : IDisposable
{
    private readonly CmSandbox _sandbox = new();

    private string WriteConfig(string hostsJson)
    {
        var path = Path.Combine(_sandbox.Root, "cloudmanager.json");
        File.WriteAllText(path, $$"""
            {
              "catalog": "catalog.db",
              "cache": "cache",
              "capacity": "64MiB",
              "redundancy": 3,
              "minCopies": 3,
              "hosts": [ {{hostsJson}} ]
            }
            """);
        return path;
    }

    private string MixedHosts()
    {
        var run = Guid.NewGuid().ToString("N");
        _sandbox.Environment["TEST_S3_KEY"] = TestServers.Require("POOL_TEST_S3_ACCESS_KEY", "eng/services/s3.sh");
        _sandbox.Environment["TEST_S3_SECRET"] = TestServers.Require("POOL_TEST_S3_SECRET_KEY", "eng/services/s3.sh");
        _sandbox.Environment["TEST_DAV_PASSWORD"] = TestServers.Require("POOL_TEST_WEBDAV_PASSWORD", "eng/services/webdav.sh");
        TestServers.RequireTool("rclone", "eng/services/webdav.sh");
        var rcloneFolder = Path.Combine(_sandbox.Root, "rclone-target");
        Directory.CreateDirectory(rcloneFolder);
        return $$"""
            { "name": "s3", "kind": "s3", "settings": {
                "endpoint": "{{TestServers.Require("POOL_TEST_S3_ENDPOINT", "eng/services/s3.sh")}}",
                "bucket": "{{TestServers.Require("POOL_TEST_S3_BUCKET", "eng/services/s3.sh")}}",
                "prefix": "cli-{{run}}", "pathStyle": "true", "region": "us-east-1",
                "accessKeyEnv": "TEST_S3_KEY", "secretKeyEnv": "TEST_S3_SECRET" } },
            { "name": "dav", "kind": "webdav", "settings": {
                "url": "{{TestServers.Require("POOL_TEST_WEBDAV_URL", "eng/services/webdav.sh")}}cli-{{run}}/",
                "user": "{{TestServers.Require("POOL_TEST_WEBDAV_USER", "eng/services/webdav.sh")}}", "passwordEnv": "TEST_DAV_PASSWORD" } },
            { "name": "rc", "kind": "rclone", "settings": { "remote": ":local:{{rcloneFolder}}" } }
            """;
    }

    [Fact]
    public async Task Upload_sync_evict_download_round_trips_over_s3_webdav_and_rclone_hosts()
    {
        var config = WriteConfig(MixedHosts());
        var content = CmSandbox.RandomBytes(300_000);
        _sandbox.WriteFile("mixed.bin", content);
        var hash = Hashes.Of(content);

        Assert.Equal(0, (await _sandbox.RunAsync("setup-db", Path.Combine(_sandbox.Root, "catalog.db"))).ExitCode);
        foreach (var host in new[] { "s3", "dav", "rc" })
        {
            var test = await _sandbox.RunAsync("--config", config, "hosts", "test", host, "--size", "64KiB");
            Assert.True(test.ExitCode == 0, test.ToString());
        }

        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "upload", "mixed.bin")).ExitCode);
        var sync = await _sandbox.RunAsync("--config", config, "sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Contains("3/3  safe", sync.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "evict", hash)).ExitCode);
        var download = await _sandbox.RunAsync("--config", config, "download", hash, "-o", "back.bin");
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(_sandbox.Work, "back.bin")));
    }

    [Fact]
    public async Task Hosts_test_fails_with_exit_5_for_a_host_that_is_not_there()
    {
        var config = WriteConfig($$"""{ "name": "gone", "kind": "directory", "settings": { "path": "{{Path.Combine(_sandbox.Root, "not-mounted")}}" } }""");

        var result = await _sandbox.RunAsync("--config", config, "hosts", "test", "gone");

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("do not rely on it", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_host_setting_is_a_usage_error_naming_it()
    {
        var config = WriteConfig("""{ "name": "dav", "kind": "webdav", "settings": { "url": "http://127.0.0.1:1/", "pasword": "x" } }""");
        Assert.Equal(0, (await _sandbox.RunAsync("setup-db", Path.Combine(_sandbox.Root, "catalog.db"))).ExitCode);

        var result = await _sandbox.RunAsync("--config", config, "hosts");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pasword", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _sandbox.Dispose();
}
