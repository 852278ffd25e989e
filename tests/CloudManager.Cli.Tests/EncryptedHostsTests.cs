using System.Text;
using System.Text.Json;

namespace CloudManager.Cli.Tests;

/// <summary>cm with encrypted directory hosts: keygen, a round trip on SQLite and PostgreSQL, and the errors of a wrong or missing key.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EncryptedHostsTests : IDisposable
{
    private readonly CmSandbox _sandbox = new();
    private readonly PostgresSchema _schema = new();

    public EncryptedHostsTests()
    {
        Directory.CreateDirectory(HostFolder(1));
        Directory.CreateDirectory(HostFolder(2));
    }

    private string HostFolder(int i) => Path.Combine(_sandbox.Root, "hosts", $"host-{i}");

    private string WriteConfig(string catalog, string host1Encryption, string host2Encryption, string name = "cloudmanager.json")
    {
        var path = Path.Combine(_sandbox.Root, name);
        File.WriteAllText(path, $$"""
            {
              "catalog": "{{catalog}}",
              "cache": "cache",
              "capacity": "64MiB",
              "redundancy": 2,
              "minCopies": 2,
              "hosts": [
                { "name": "host-1", "kind": "directory", "settings": { "path": "{{HostFolder(1)}}" }, "encryption": {{host1Encryption}} },
                { "name": "host-2", "kind": "directory", "settings": { "path": "{{HostFolder(2)}}" }, "encryption": {{host2Encryption}} }
              ]
            }
            """);
        return path;
    }

    private async Task<string> KeygenAsync(string name)
    {
        var result = await _sandbox.RunAsync("hosts", "keygen", Path.Combine(_sandbox.Root, name));
        Assert.True(result.ExitCode == 0, result.ToString());
        return Path.Combine(_sandbox.Root, name);
    }

    [Fact]
    public async Task Keygen_writes_an_owner_only_key_file_and_never_replaces_one()
    {
        var path = Path.Combine(_sandbox.Root, "offsite.key");
        var result = await _sandbox.RunAsync("--json", "hosts", "keygen", path);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var id = json.RootElement.GetProperty("key_id").GetString()!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var file = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal("cloud-manager-keys", file.RootElement.GetProperty("format").GetString());
        Assert.Equal(id, file.RootElement.GetProperty("keys")[0].GetProperty("id").GetString());
        Assert.Equal(32, Convert.FromBase64String(file.RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!).Length);

        var before = File.ReadAllBytes(path);
        var again = await _sandbox.RunAsync("hosts", "keygen", path);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sync_and_download_through_encrypted_hosts_keep_plaintext_and_hashes_off_the_hosts(bool postgres)
    {
        var catalog = postgres ? await _schema.CreateAsync(TestContext.Current.CancellationToken) : Path.Combine(_sandbox.Root, "catalog.db");
        var keyFile = await KeygenAsync("pool.key");
        _sandbox.Environment["HOST2_KEY"] = File.ReadAllText(keyFile);
        var config = WriteConfig(catalog, $$"""{ "keyFile": "pool.key" }""", """{ "keyEnv": "HOST2_KEY" }""");
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("PLAINTEXT-SENTINEL ", 20_000)));
        _sandbox.WriteFile("secret.txt", content);
        var hash = Hashes.Of(content);

        Assert.Equal(0, (await _sandbox.RunAsync("setup-db", catalog)).ExitCode);
        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "upload", "secret.txt")).ExitCode);
        var sync = await _sandbox.RunAsync("--config", config, "sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Contains("2/2  safe", sync.Stdout, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_sandbox.Root, "hosts"), "*", SearchOption.AllDirectories))
        {
            var text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain("SENTINEL", text, StringComparison.Ordinal);
            Assert.DoesNotContain(hash, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(hash, file, StringComparison.OrdinalIgnoreCase);
        }

        var hosts = await _sandbox.RunAsync("--config", config, "hosts");
        Assert.Contains("encryption=key file " + keyFile, hosts.Stdout, StringComparison.Ordinal);
        Assert.Contains("encryption=environment variable HOST2_KEY", hosts.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllText(keyFile)[60..90], hosts.Stdout + hosts.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "evict", hash)).ExitCode);
        var download = await _sandbox.RunAsync("--config", config, "download", hash, "-o", "back.txt");
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(_sandbox.Work, "back.txt")));
        var verify = await _sandbox.RunAsync("--config", config, "verify", "--deep");
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Fact]
    public async Task A_wrong_key_names_the_host_writes_nothing_and_exits_5()
    {
        var catalog = Path.Combine(_sandbox.Root, "catalog.db");
        await KeygenAsync("right.key");
        await KeygenAsync("wrong.key");
        var config = WriteConfig(catalog, """{ "keyFile": "right.key" }""", """{ "keyFile": "right.key" }""");
        Assert.Equal(0, (await _sandbox.RunAsync("setup-db", catalog)).ExitCode);
        _sandbox.WriteFile("a.bin", CmSandbox.RandomBytes(5000));
        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "upload", "a.bin")).ExitCode);
        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "sync")).ExitCode);
        var before = Directory.EnumerateFiles(HostFolder(1), "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList();

        var wrong = WriteConfig(catalog, """{ "keyFile": "wrong.key" }""", """{ "keyFile": "right.key" }""", "wrong.json");
        _sandbox.WriteFile("b.bin", CmSandbox.RandomBytes(6000));
        Assert.Equal(0, (await _sandbox.RunAsync("--config", wrong, "upload", "b.bin")).ExitCode);
        var sync = await _sandbox.RunAsync("--config", wrong, "sync");
        Assert.Equal(5, sync.ExitCode);
        Assert.Contains("Host 'host-1' was set up with encryption key", sync.Stderr, StringComparison.Ordinal);
        Assert.Contains("wrong.key does not hold", sync.Stderr, StringComparison.Ordinal);
        var test = await _sandbox.RunAsync("--config", wrong, "hosts", "test", "host-1");
        Assert.Equal(5, test.ExitCode);
        Assert.Contains("HostKeyException", test.Stdout, StringComparison.Ordinal);

        Assert.Equal(before, Directory.EnumerateFiles(HostFolder(1), "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList());
    }

    [Fact]
    public async Task Bad_encryption_settings_are_usage_errors_that_say_what_to_do()
    {
        var catalog = Path.Combine(_sandbox.Root, "catalog.db");
        Assert.Equal(0, (await _sandbox.RunAsync("setup-db", catalog)).ExitCode);
        var key = await KeygenAsync("pool.key");

        var both = WriteConfig(catalog, """{ "keyFile": "pool.key", "keyEnv": "X" }""", """{ "keyFile": "pool.key" }""");
        var result = await _sandbox.RunAsync("--config", both, "sync");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("names both \"keyFile\" and \"keyEnv\"", result.Stderr, StringComparison.Ordinal);

        var neither = WriteConfig(catalog, "{ }", """{ "keyFile": "pool.key" }""");
        result = await _sandbox.RunAsync("--config", neither, "sync");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("never goes in the config file", result.Stderr, StringComparison.Ordinal);

        var unset = WriteConfig(catalog, """{ "keyEnv": "NOT_SET_ANYWHERE" }""", """{ "keyFile": "pool.key" }""");
        result = await _sandbox.RunAsync("--config", unset, "sync");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Host 'host-1'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("NOT_SET_ANYWHERE, which is not set", result.Stderr, StringComparison.Ordinal);

        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var open = WriteConfig(catalog, """{ "keyFile": "pool.key" }""", """{ "keyFile": "pool.key" }""");
        result = await _sandbox.RunAsync("--config", open, "sync");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"chmod 600 {key}", result.Stderr, StringComparison.Ordinal);

        var typo = WriteConfig(catalog, """{ "keyfile": "pool.key" }""", """{ "keyFile": "pool.key" }""");
        result = await _sandbox.RunAsync("--config", typo, "sync");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("keyfile", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(HostFolder(1)));
    }

    public void Dispose() => _sandbox.Dispose();
}
