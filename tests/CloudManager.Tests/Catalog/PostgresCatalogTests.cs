using CloudManager.Catalog;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;
using Npgsql;

namespace CloudManager.Tests.Catalog;

/// <summary>Gives every catalog a schema of its own in the test server started by eng/services/postgres.sh.</summary>
public sealed class PostgresCatalogFixture : ICatalogFixture
{
    public static string ConnectionString => TestServers.Require("POOL_TEST_POSTGRES", "eng/services/postgres.sh");

    public Task<ICatalog> CreateCatalogAsync() => CreateAsync();

    public static async Task<ICatalog> CreateAsync() => await OpenSchemaAsync(await CreateSchemaAsync());

    /// <summary>A new, empty schema for one test: catalogs opened on it share one database, like nodes.</summary>
    public static async Task<string> CreateSchemaAsync()
    {
        var schema = $"t_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return schema;
    }

    /// <summary>Opens (and migrates) a catalog on a schema made by <see cref="CreateSchemaAsync"/>.</summary>
    public static async Task<ICatalog> OpenSchemaAsync(string schema)
    {
        var catalog = PostgresCatalog.Open($"{ConnectionString};Search Path={schema}");
        await catalog.MigrateAsync(CancellationToken.None);
        return catalog;
    }
}

public sealed class PostgresCatalogTests(PostgresCatalogFixture fixture)
    : CatalogConformanceTests<PostgresCatalogFixture>(fixture), IClassFixture<PostgresCatalogFixture>
{
    [Theory]
    [InlineData("postgres://pool:s%40cret@db.example:6543/pool?Timeout=5", "postgres://pool@db.example:6543/pool")]
    [InlineData("postgresql://db.example/pool", "postgres://db.example:5432/pool")]
    [InlineData("Host=db.example;Database=pool;Username=u;Password=p", "postgres://u@db.example:5432/pool")]
    public async Task Open_reads_URIs_and_connection_strings_and_hides_the_password(string text, string displayName)
    {
        await using var catalog = PostgresCatalog.Open(text);
        Assert.Equal(displayName, catalog.DisplayName);
    }

    [Theory]
    [InlineData("postgres://db.example")]
    [InlineData("postgres://db.example/pool?NoSuchOption=1")]
    public void Open_refuses_incomplete_URIs(string text) =>
        Assert.Throws<ArgumentException>(() => PostgresCatalog.Open(text));

    [Fact]
    public async Task Concurrent_migrations_upgrade_the_schema_once()
    {
        var schema = $"t_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(PostgresCatalogFixture.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var catalogs = Enumerable.Range(0, 4).Select(_ => PostgresCatalog.Open($"{PostgresCatalogFixture.ConnectionString};Search Path={schema}")).ToList();
        var versions = await Task.WhenAll(catalogs.Select(c => c.MigrateAsync(TestContext.Current.CancellationToken)));
        Assert.All(versions, v => Assert.Equal(SqlCatalog.SchemaVersion, v));
        foreach (var catalog in catalogs)
        {
            await catalog.DisposeAsync();
        }
    }

    [Fact]
    public void A_postgres_URI_as_a_pool_database_points_to_the_Postgres_package()
    {
        var error = Assert.Throws<ArgumentException>(() => new CloudPool("postgres://db.example/pool", "/tmp/unused-cache", 1000));
        Assert.Contains("PostgresCatalog.Open", error.Message, StringComparison.Ordinal);
    }
}
