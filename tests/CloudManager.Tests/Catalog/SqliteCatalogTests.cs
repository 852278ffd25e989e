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
    public void DisplayName_names_the_file()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("sub", "catalog.db");
        Assert.Equal($"sqlite:{path}", new SqliteCatalog(path).DisplayName);
    }
}
