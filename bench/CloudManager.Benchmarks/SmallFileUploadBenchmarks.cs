using BenchmarkDotNet.Attributes;

namespace CloudManager.Benchmarks;

/// <summary>Upload rate of small files (4 KiB each, durable) into a fresh pool, per catalog engine.</summary>
[MemoryDiagnoser]
public class SmallFileUploadBenchmarks
{
    private const int FileCount = 200;
    private readonly string _sources = Path.Combine(Path.GetTempPath(), "cm-bench", "sources-" + Guid.NewGuid().ToString("N"));
    private string _folder = "";
    private CloudPool _pool = null!;
    private string[] _files = [];

    [Params(Backend.Sqlite, Backend.Postgres)]
    public string Engine { get; set; } = Backend.Sqlite;

    [GlobalSetup]
    public void CreateSources()
    {
        Directory.CreateDirectory(_sources);
        var random = new Random(1);
        _files = Enumerable.Range(0, FileCount).Select(i =>
        {
            var bytes = new byte[4096];
            random.NextBytes(bytes);
            var path = Path.Combine(_sources, $"f{i}.bin");
            File.WriteAllBytes(path, bytes);
            return path;
        }).ToArray();
    }

    [IterationSetup]
    public void OpenFreshPool()
    {
        _folder = Path.Combine(Path.GetTempPath(), "cm-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var catalog = Backend.CreateAsync(Engine, _folder).GetAwaiter().GetResult();
        _pool = CloudPool.OpenAsync(new CloudPoolOptions { Catalog = catalog, StoragePath = Path.Combine(_folder, "cache"), CapacityBytes = 1L << 30 })
            .GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = FileCount)]
    public async Task UploadSmallFiles()
    {
        foreach (var file in _files)
        {
            await _pool.UploadAsync(file);
        }
    }

    [IterationCleanup]
    public void DisposePool()
    {
        _pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }

    [GlobalCleanup]
    public void DeleteSources() => Directory.Delete(_sources, recursive: true);
}
