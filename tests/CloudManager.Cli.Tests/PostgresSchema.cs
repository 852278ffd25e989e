using CloudManager.Testing;
using Npgsql;

namespace CloudManager.Cli.Tests;

/// <summary>A fresh schema on the test PostgreSQL server (from eng/services/postgres.sh), for one test's catalog.</summary>
internal sealed class PostgresSchema
{
    private readonly string _name = $"n_{Guid.NewGuid():N}";

    public static string ServerConnectionString => TestServers.Require("POOL_TEST_POSTGRES", "eng/services/postgres.sh");

    /// <summary>The catalog URI that cm and the library open: the server's, with this schema as search path.</summary>
    public string CatalogUri
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString);
            return $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}?Search%20Path={_name}";
        }
    }

    public async Task<string> CreateAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {_name}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return CatalogUri;
    }

    /// <summary>Drops the schema and everything in it: a catalog lost whole.</summary>
    public async Task DropAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DROP SCHEMA {_name} CASCADE", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>An open connection to the server with this schema as search path.</summary>
    public async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { SearchPath = _name };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync(cancellationToken))!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
