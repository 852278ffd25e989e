using CloudManager.Catalog;
using Npgsql;

namespace CloudManager.Benchmarks;

/// <summary>Fresh catalogs of either engine: a new SQLite file, or a new schema in the server named by POOL_TEST_POSTGRES.</summary>
public static class Backend
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static async Task<ICatalog> CreateAsync(string engine, string folder)
    {
        if (engine == Sqlite)
        {
            return new SqliteCatalog(Path.Combine(folder, "catalog.db"));
        }

        var server = Environment.GetEnvironmentVariable("POOL_TEST_POSTGRES")
            ?? throw new InvalidOperationException("POOL_TEST_POSTGRES is not set: run bench/run, which starts PostgreSQL with eng/services/postgres.sh.");
        var schema = $"b_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return PostgresCatalog.Open($"{server};Search Path={schema}");
    }
}
