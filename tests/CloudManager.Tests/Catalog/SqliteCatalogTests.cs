using CloudManager.Catalog;
using CloudManager.Tests.Conformance;
using CloudManager.Tests.Support;

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
        query.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_files_created'";
        Assert.Equal(1L, (long)(await query.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public void DisplayName_names_the_file()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("sub", "catalog.db");
        Assert.Equal($"sqlite:{path}", new SqliteCatalog(path).DisplayName);
    }
}
