using CloudManager.Hosts;

namespace CloudManager.Tests;

public sealed class CloudPoolProgressTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cm-progress-" + Guid.NewGuid().ToString("N"));
    private CloudPool _pool = null!;

    public async ValueTask InitializeAsync()
    {
        var options = new CloudPoolOptions
        {
            Database = Path.Combine(_root, "catalog.db"),
            StoragePath = Path.Combine(_root, "cache"),
            CapacityBytes = 64L << 20,
            Redundancy = 2,
            MinCopies = 2,
        };
        foreach (var name in new[] { "a", "b" })
        {
            Directory.CreateDirectory(Path.Combine(_root, name));
            options.Hosts.Add(new DirectoryHost(name, Path.Combine(_root, name)));
        }

        _pool = await CloudPool.OpenAsync(options, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _pool.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task UploadAsync_reports_bytes_read_up_to_the_file_length()
    {
        var file = WriteFile("three-blocks.bin", (3 << 20) + 17);
        var reports = new List<long>();

        await _pool.UploadAsync(file, new ImmediateProgress<long>(reports.Add), TestContext.Current.CancellationToken);

        Assert.True(reports.Count >= 3, $"expected a report per 1 MiB block, got {reports.Count}");
        Assert.Equal(reports.Order(), reports);
        Assert.Equal((3 << 20) + 17, reports[^1]);
    }

    [Fact]
    public async Task DownloadAsync_reports_zero_then_bytes_written_when_copying_out()
    {
        var file = WriteFile("out.bin", (2 << 20) + 5);
        var hash = await _pool.UploadAsync(file, TestContext.Current.CancellationToken);
        var destination = Path.Combine(_root, "copy.bin");
        var reports = new List<long>();

        await _pool.DownloadAsync(hash, destination, overwrite: false, new ImmediateProgress<long>(reports.Add), TestContext.Current.CancellationToken);

        Assert.Equal(0, reports[0]);
        Assert.Equal((2 << 20) + 5, reports[^1]);
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(destination));
    }

    [Fact]
    public async Task SyncAsync_reports_each_replicated_file_once()
    {
        var first = await _pool.UploadAsync(WriteFile("one.txt", 10), TestContext.Current.CancellationToken);
        var second = await _pool.UploadAsync(WriteFile("two.txt", 20), TestContext.Current.CancellationToken);
        var reported = new List<FileSyncReport>();

        var report = await _pool.SyncAsync(new ImmediateProgress<FileSyncReport>(r => { lock (reported) { reported.Add(r); } }), TestContext.Current.CancellationToken);

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), reported.Select(r => r.Hash.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(report.Files.Count, reported.Count);
        Assert.All(reported, r => Assert.True(r.IsSafe));
    }

    private string WriteFile(string name, int length)
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, name);
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
