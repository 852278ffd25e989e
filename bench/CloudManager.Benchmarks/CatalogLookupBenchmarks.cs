using BenchmarkDotNet.Attributes;
using CloudManager.Catalog;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CloudManager.Benchmarks;

/// <summary>
/// ExistsAsync and OnCacheAsync on a catalog of <see cref="Files"/> files, against a raw
/// primary-key SELECT through the same driver (the baseline).
/// </summary>
[MemoryDiagnoser]
public class CatalogLookupBenchmarks
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cm-bench", Guid.NewGuid().ToString("N"));
    private CloudPool _pool = null!;
    private string _hash = "";
    private Func<Task<object?>> _rawSelect = null!;
    private IAsyncDisposable? _rawResource;

    [Params(Backend.Sqlite, Backend.Postgres)]
    public string Engine { get; set; } = Backend.Sqlite;

    [Params(10_000)]
    public int Files { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Directory.CreateDirectory(_folder);
        var catalog = await Backend.CreateAsync(Engine, _folder);
        _pool = await CloudPool.OpenAsync(new CloudPoolOptions { Catalog = catalog, StoragePath = Path.Combine(_folder, "cache"), CapacityBytes = 1L << 40 });
        var payloads = Enumerable.Range(0, Files).Select(i => new Exchange.FilePayload(
            ContentHash.Compute(BitConverter.GetBytes(i)), 1000 + i, $"f{i}.bin", DateTimeOffset.UnixEpoch, [new Exchange.UploadLink("h", "x")])).ToList();
        for (var start = 0; start < payloads.Count; start += 5000)
        {
            await catalog.ImportAsync(payloads.Skip(start).Take(5000).ToList(), "bench", DateTimeOffset.UtcNow, CancellationToken.None);
        }

        _hash = payloads[Files / 2].FileHash.ToString();
        if (catalog is PostgresCatalog postgres)
        {
            var source = NpgsqlDataSource.Create(postgres.ConnectionString);
            _rawResource = source;
            _rawSelect = async () =>
            {
                await using var connection = await source.OpenConnectionAsync();
                await using var command = new NpgsqlCommand("SELECT 1 FROM files WHERE hash = @h", connection);
                command.Parameters.AddWithValue("h", _hash);
                return await command.ExecuteScalarAsync();
            };
        }
        else
        {
            var connectionString = $"Data Source={Path.Combine(_folder, "catalog.db")};Pooling=True";
            _rawSelect = async () =>
            {
                await using var connection = new SqliteConnection(connectionString);
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1 FROM files WHERE hash = @h";
                command.Parameters.AddWithValue("@h", _hash);
                return await command.ExecuteScalarAsync();
            };
        }
    }

    [Benchmark(Baseline = true)]
    public Task<object?> RawSelectByPrimaryKey() => _rawSelect();

    [Benchmark]
    public Task<bool> ExistsAsync() => _pool.ExistsAsync(_hash);

    [Benchmark]
    public Task<bool> OnCacheAsync() => _pool.OnCacheAsync(_hash);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _pool.DisposeAsync();
        if (_rawResource is not null)
        {
            await _rawResource.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }
}
