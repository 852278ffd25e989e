using CloudManager.Catalog;
using CloudManager.Exchange;
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
    private const int BatchSize = 10_000;

    /// <summary>The hash of the <paramref name="index"/>-th file of a populated catalog.</summary>
    public static ContentHash HashOf(int index) => ContentHash.Compute(BitConverter.GetBytes(index));

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
                    await FillAsync(catalog, files);
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
                    await FillAsync(catalog, files);
                }

                await using var mark = new NpgsqlCommand($"CREATE TABLE {schema}.filled (at TIMESTAMPTZ)", connection);
                await mark.ExecuteNonQueryAsync();
            }
        }

        return PostgresCatalog.Open($"{server};Search Path={schema}");
    }

    private static async Task FillAsync(ICatalog catalog, int files)
    {
        await catalog.MigrateAsync(CancellationToken.None);
        for (var start = 0; start < files; start += BatchSize)
        {
            var batch = Enumerable.Range(start, Math.Min(BatchSize, files - start)).Select(i => new FilePayload(
                HashOf(i), 1000 + i, $"f{i}.bin", DateTimeOffset.UnixEpoch, [new UploadLink("h", "x")])).ToList();
            await catalog.ImportAsync(batch, "bench", DateTimeOffset.UtcNow, CancellationToken.None);
        }
    }
}
