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

    [Params(1_000_000)]
    public int Files { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Directory.CreateDirectory(_folder);
        var catalog = await PopulatedCatalog.OpenAsync(Engine, _folder, Files);
        _pool = await CloudPool.OpenAsync(new CloudPoolOptions { Catalog = catalog, StoragePath = Path.Combine(_folder, "cache"), CapacityBytes = 1L << 40 });
        _hash = PopulatedCatalog.HashOf(Files / 2).ToString();
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
