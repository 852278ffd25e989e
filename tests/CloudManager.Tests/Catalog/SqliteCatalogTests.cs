using CloudManager.Catalog;
using CloudManager.Eviction;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Catalog;

public sealed class SqliteCatalogFixture : ICatalogFixture, IDisposable
{
    private readonly TempFolder _folder = new();

    public async Task<ICatalog> CreateCatalogAsync()
    {
        var catalog = new SqliteCatalog(_folder.Combine($"{Guid.NewGuid():N}.db"));
        await catalog.MigrateAsync(CancellationToken.None);
        return catalog;
    }

    public void Dispose() => _folder.Dispose();
}

public sealed class SqliteCatalogTests(SqliteCatalogFixture fixture)
    : CatalogConformanceTests<SqliteCatalogFixture>(fixture), IClassFixture<SqliteCatalogFixture>
{
    [Fact]
    public async Task Catalog_uses_the_write_ahead_log()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("wal.db");
        await using (var catalog = new SqliteCatalog(path))
        {
            await catalog.MigrateAsync(TestContext.Current.CancellationToken);
        }

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_version_1_catalog_is_upgraded_on_open_and_keeps_its_files()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("v1.db");
        var hash = new string('a', 64);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            using var script = new StreamReader(typeof(CloudPool).Assembly.GetManifestResourceStream("CloudManager.Catalog.001_initial.sql")!);
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE cm_schema (version INTEGER NOT NULL); INSERT INTO cm_schema (version) VALUES (1);" + await script.ReadToEndAsync(TestContext.Current.CancellationToken)
                + $"INSERT INTO files (hash, size, name, created_at, stored_copies) VALUES ('{hash}', 5, 'old.bin', 1, 0);";
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var catalog = new SqliteCatalog(path);
        Assert.Equal(SqlCatalog.SchemaVersion, await catalog.MigrateAsync(TestContext.Current.CancellationToken));
        Assert.Equal("old.bin", (await catalog.FindFileAsync(ContentHash.Parse(hash), TestContext.Current.CancellationToken))!.Name);

        await using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        await check.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = check.CreateCommand();
        query.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('ix_files_created', 'evicted_entries', 'ix_cache_priority_newest', 'ix_files_export_order')";
        Assert.Equal(4L, (long)(await query.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        // Version 5 drops the index version 1 made for the dump, which version 4's index replaced.
        query.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_files_export'";
        Assert.Equal(0L, (long)(await query.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task A_version_2_catalog_with_a_gdsf_node_moves_to_the_default_policy()
    {
        var token = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var path = folder.Combine("v2.db");
        var hash = ContentHash.Compute([1]);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync(token);
            var scripts = "";
            foreach (var name in new[] { "001_initial.sql", "002_listing_indexes.sql" })
            {
                using var script = new StreamReader(typeof(CloudPool).Assembly.GetManifestResourceStream("CloudManager.Catalog." + name)!);
                scripts += await script.ReadToEndAsync(token);
            }

            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE cm_schema (version INTEGER NOT NULL); INSERT INTO cm_schema (version) VALUES (1); INSERT INTO cm_schema (version) VALUES (2);" + scripts
                + "INSERT INTO nodes (node_id, used_bytes, clock, inflation, policy, created_at) VALUES ('n1', 5, 3, 0.5, 'gdsf', 0);"
                + $"INSERT INTO files (hash, size, name, created_at, stored_copies) VALUES ('{hash}', 5, 'old.bin', 1, 0);"
                + $"INSERT INTO cache_entries (node_id, hash, size, pinned, access_count, last_tick, last_access_at, priority) VALUES ('n1', '{hash}', 5, 0, 3, 3, 0, 1.1);";
            await command.ExecuteNonQueryAsync(token);
        }

        var policy = EvictionPolicies.Default;
        await using var catalog = new SqliteCatalog(path);
        Assert.Equal(SqlCatalog.SchemaVersion, await catalog.MigrateAsync(token));
        await catalog.EnsureNodeAsync("n1", policy, DateTimeOffset.UnixEpoch, token);
        var entry = (await catalog.ListEvictionCandidatesAsync("n1", policy, 0, 10, token)).Single();
        Assert.Equal(policy.Priority(new CacheAccess(5, 3, 3, 0)), entry.Priority);

        // The upgraded node remembers what it evicts: the file comes back with its count.
        Assert.True(await catalog.RemoveCacheEntryAsync("n1", hash, policy, token));
        await catalog.AddCachedFileAsync("n1", new FileRecord(hash, 5, "old.bin", DateTimeOffset.UnixEpoch, 0, null, null), policy, 5, DateTimeOffset.UnixEpoch, token);
        Assert.Equal(4, (await catalog.FindCacheEntryAsync("n1", hash, token))!.AccessCount);
    }

    [Fact]
    public async Task Remembered_evictions_survive_reopening_the_catalog()
    {
        var token = TestContext.Current.CancellationToken;
        var policy = EvictionPolicies.Frequency;
        var now = DateTimeOffset.UnixEpoch;
        using var folder = new TempFolder();
        var path = folder.Combine("reopen.db");
        var file = new FileRecord(ContentHash.Compute([1]), 10, "a.bin", now, 0, null, null);
        await using (var catalog = new SqliteCatalog(path))
        {
            await catalog.MigrateAsync(token);
            await catalog.EnsureNodeAsync("n1", policy, now, token);
            await catalog.AddCachedFileAsync("n1", file, policy, 10, now, token);
            await catalog.RecordCacheHitsAsync("n1", [file.Hash, file.Hash], policy, now, token);
            await catalog.RemoveCacheEntryAsync("n1", file.Hash, policy, token);
        }

        await using var reopened = new SqliteCatalog(path);
        await reopened.MigrateAsync(token);
        await reopened.EnsureNodeAsync("n1", policy, now, token);
        await reopened.AddCachedFileAsync("n1", file, policy, 10, now, token);
        Assert.Equal(4, (await reopened.FindCacheEntryAsync("n1", file.Hash, token))!.AccessCount);
    }

    [Fact]
    public void DisplayName_names_the_file()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("sub", "catalog.db");
        Assert.Equal($"sqlite:{path}", new SqliteCatalog(path).DisplayName);
    }
}
