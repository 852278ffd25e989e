using CloudManager.Testing;

namespace CloudManager.Cli.Tests;

/// <summary>
/// The scenario on the real command line, on SQLite and PostgreSQL: a cached file damaged on
/// disk is never spread to the hosts by <c>cm sync</c>, before or after <c>cm verify --deep</c>.
/// </summary>
public sealed class DamagedCacheSyncTests : IDisposable
{
    private readonly CmSandbox _sandbox = new();
    private readonly PostgresSchema _schema = new();
    private readonly List<string> _hosts;

    public DamagedCacheSyncTests()
    {
        _hosts = Enumerable.Range(1, 3).Select(i => Path.Combine(_sandbox.Root, "hosts", $"host-{i}")).ToList();
        _hosts.ForEach(h => Directory.CreateDirectory(h));
    }

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sync_of_a_damaged_cached_file_sends_nothing_and_says_the_file_is_lost(bool postgres)
    {
        var config = await WriteConfigAsync(postgres);
        var content = CmSandbox.RandomBytes(700_000);
        _sandbox.WriteFile("report.pdf", content);
        var hash = Hashes.Of(content);
        var upload = await _sandbox.RunAsync("--config", config, "upload", "report.pdf");
        Assert.True(upload.ExitCode == 0, upload.ToString());
        FlipByte(CachedPath(hash), 12_345);

        var sync = await _sandbox.RunAsync("--config", config, "sync");

        Assert.True(sync.ExitCode == 6, sync.ToString());
        Assert.Contains($"{hash}  0/3  LOST (cached copy was damaged)  report.pdf", sync.Stdout, StringComparison.Ordinal);
        Assert.Contains($"LOST: {hash} (report.pdf): its cached copy is damaged", sync.Stderr, StringComparison.Ordinal);
        Assert.Contains("quarantine", sync.Stderr, StringComparison.Ordinal);
        Assert.Empty(HostCopies());
        Assert.Single(Directory.GetFiles(Path.Combine(_sandbox.Root, "node", "cache", "quarantine")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_verify_deep_a_second_sync_repairs_with_good_bytes_instead_of_spreading_the_damaged_cached_copy(bool postgres)
    {
        var config = await WriteConfigAsync(postgres);
        var content = CmSandbox.RandomBytes(1_500_000);
        _sandbox.WriteFile("photo.jpg", content);
        var hash = Hashes.Of(content);
        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "upload", "photo.jpg")).ExitCode);
        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "sync")).ExitCode);
        var onHost2 = Path.Combine(_hosts[1], hash[..2], hash);
        FlipByte(onHost2, 1_000);
        FlipByte(CachedPath(hash), 1_499_999);

        var verify = await _sandbox.RunAsync("--config", config, "verify", "--deep");
        Assert.True(verify.ExitCode == 6, verify.ToString());
        var sync = await _sandbox.RunAsync("--config", config, "sync");

        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Contains($"{hash}  3/3  safe (cached copy was damaged)  photo.jpg", sync.Stdout, StringComparison.Ordinal);
        Assert.Contains("its cached copy was damaged; nothing damaged was sent", sync.Stderr, StringComparison.Ordinal);
        Assert.All(HostCopies(), copy => Assert.Equal(content, File.ReadAllBytes(copy)));
        Assert.Equal(3, HostCopies().Count);
        Assert.Equal(content, File.ReadAllBytes(CachedPath(hash)));
        Assert.Equal(0, (await _sandbox.RunAsync("--config", config, "verify", "--deep")).ExitCode);
    }

    private async Task<string> WriteConfigAsync(bool postgres)
    {
        var catalog = postgres ? await _schema.CreateAsync(TestContext.Current.CancellationToken) : Path.Combine(_sandbox.Root, "node", "catalog.db");
        var path = Path.Combine(_sandbox.Root, "node", "cloudmanager.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var hostList = string.Join(",\n", _hosts.Select((h, i) => $$"""    { "name": "host-{{i + 1}}", "kind": "directory", "settings": { "path": "{{h}}" } }"""));
        File.WriteAllText(path, $$"""
            {
              "catalog": "{{catalog}}",
              "cache": "cache",
              "capacity": "64MiB",
              "redundancy": 3,
              "minCopies": 2,
              "hosts": [
            {{hostList}}
              ]
            }
            """);
        var setup = await _sandbox.RunAsync("setup-db", catalog);
        Assert.True(setup.ExitCode == 0, setup.ToString());

        return path;
    }

    private string CachedPath(string hash) => Path.Combine(_sandbox.Root, "node", "cache", "objects", hash[..2], hash);

    private List<string> HostCopies() =>
        [.. _hosts.SelectMany(HostFolderContent.Files)];

    private static void FlipByte(string path, long position)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = position;
        var value = file.ReadByte();
        file.Position = position;
        file.WriteByte((byte)(value ^ 0x5A));
    }
}
