using CloudManager.Catalog;
using Npgsql;

namespace CloudManager.Benchmarks;

/// <summary>
/// Catalogs that already know many files. Filling one with a million files takes a while and
/// BenchmarkDotNet runs every case in a process of its own, so each size is filled once and reused:
/// a SQLite file kept as a template under the temp folder (copied for each run), or a schema in the
/// PostgreSQL server that <c>bench/run</c> started.
/// </summary>
public static class PopulatedCatalog
{
    /// <summary>The hash of the <paramref name="index"/>-th file of a populated catalog: its number in 64 hex digits.</summary>
    public static ContentHash HashOf(int index) => ContentHash.Parse(index.ToString("x64", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A catalog of <paramref name="files"/> files, for a pool whose folder is <paramref name="folder"/>.</summary>
    public static async Task<ICatalog> OpenAsync(string engine, string folder, int files)
    {
        if (engine == Backend.Sqlite)
        {
            var template = Path.Combine(Path.GetTempPath(), "cm-bench-templates", $"catalog-{files}.db");
            if (!File.Exists(template))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(template)!);
                var partial = template + ".partial";
                File.Delete(partial);
                await using (var catalog = new SqliteCatalog(partial))
                {
                    await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={partial}");
                    await connection.OpenAsync();
                    await FillAsync(catalog, files, async sql =>
                    {
                        await using var command = connection.CreateCommand();
                        command.CommandText = $"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {files}) {sql}";
                        await command.ExecuteNonQueryAsync();
                    }, "n", "printf('%064x', i)");
                }

                File.Move(partial, template);
            }

            var copy = Path.Combine(folder, "catalog.db");
            File.Copy(template, copy);
            return new SqliteCatalog(copy);
        }

        var server = Environment.GetEnvironmentVariable("POOL_TEST_POSTGRES")
            ?? throw new InvalidOperationException("POOL_TEST_POSTGRES is not set: run bench/run, which starts PostgreSQL with eng/services/postgres.sh.");
        var schema = $"bench_files_{files}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var probe = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = @s AND table_name = 'filled'", connection);
            probe.Parameters.AddWithValue("s", schema);
            if ((long)(await probe.ExecuteScalarAsync())! == 0)
            {
                await using var create = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}", connection);
                await create.ExecuteNonQueryAsync();
                await using (var catalog = PostgresCatalog.Open($"{server};Search Path={schema}"))
                {
                    await FillAsync(catalog, files, async sql =>
                    {
                        await using var command = new NpgsqlCommand($"SET search_path TO {schema}; {sql}", connection) { CommandTimeout = 0 };
                        await command.ExecuteNonQueryAsync();
                    }, $"generate_series(0, {files - 1}) AS s(i)", "lpad(to_hex(i), 64, '0')");
                }

                await using var mark = new NpgsqlCommand($"CREATE TABLE {schema}.filled (at TIMESTAMPTZ)", connection);
                await mark.ExecuteNonQueryAsync();
            }
        }

        return PostgresCatalog.Open($"{server};Search Path={schema}");
    }

    // Rows written by set-based SQL rather than the catalog's import (one statement per table
    // instead of millions); the catalog's own migration creates the schema first.
    private static async Task FillAsync(ICatalog catalog, int files, Func<string, Task> execute, string series, string hex)
    {
        await catalog.MigrateAsync(CancellationToken.None);
        await execute(
            $"INSERT INTO files (hash, size, name, created_at, stored_copies, exported_at, sync_id) " +
            $"SELECT {hex}, 1000 + i, 'f' || i || '.bin', 1700000000 + i, 1, NULL, 'bench' FROM {series}");
        await execute(
            $"INSERT INTO copies (hash, host, locator, state, attempts, last_error, updated_at) " +
            $"SELECT {hex}, 'h', 'x', 0, 0, NULL, 0 FROM {series}");
    }
}
