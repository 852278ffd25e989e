using System.Data.Common;
using Npgsql;

namespace CloudManager.Catalog;

/// <summary>
/// The catalog on PostgreSQL, for several nodes sharing one catalog (each with its own cache folder).
/// </summary>
/// <remarks>
/// <code>
/// var catalog = PostgresCatalog.Open("postgres://pool:secret@db.example/pool");
/// await using var pool = await CloudPool.OpenAsync(new CloudPoolOptions { Catalog = catalog, StoragePath = "/var/cache/pool", CapacityBytes = 20L &lt;&lt; 30 });
/// </code>
/// <para>Connections are pooled and statements prepared automatically by Npgsql. Transactions run at
/// READ COMMITTED; a change to a file's copies locks the file's row first so that concurrent nodes
/// recount copies in turn, a change to the hosts nodes configure and a change to copies exclude each
/// other through an advisory lock (shared among copy changes), meters are single-statement increments,
/// and migrations take an advisory lock so that nodes starting together upgrade the schema once.</para>
/// </remarks>
public sealed class PostgresCatalog : SqlCatalog
{
    /// <summary>The advisory lock key that serializes migrations (an arbitrary constant: "cmschema").</summary>
    private const long MigrationLockKey = 0x636d736368656d61;

    /// <summary>The advisory lock key that guards the set of configured host identities (an arbitrary constant: "cmhostst").</summary>
    private const long HostSetLockKey = 0x636d686f73747374;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _displayName;

    private PostgresCatalog(NpgsqlConnectionStringBuilder builder)
    {
        ConnectionString = builder.ConnectionString;
        builder.MaxAutoPrepare = builder.MaxAutoPrepare == 0 ? 64 : builder.MaxAutoPrepare;
        _displayName = $"postgres://{(string.IsNullOrEmpty(builder.Username) ? "" : builder.Username + "@")}{builder.Host}:{builder.Port}/{builder.Database}";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <summary>Whether a catalog specification names PostgreSQL: a <c>postgres://</c> or <c>postgresql://</c> URI.</summary>
    public static bool IsPostgresUri(string specification) =>
        specification is not null
        && (specification.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || specification.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Opens the catalog from a <c>postgres://user:password@host:port/database?option=value</c> URI (as
    /// the 2014 library took) or an Npgsql connection string (<c>Host=…;Database=…</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The text is neither; the message says what is wrong.</exception>
    public static PostgresCatalog Open(string uriOrConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uriOrConnectionString);
        return new PostgresCatalog(IsPostgresUri(uriOrConnectionString)
            ? FromUri(uriOrConnectionString)
            : new NpgsqlConnectionStringBuilder(uriOrConnectionString));
    }

    /// <inheritdoc />
    public override string DisplayName => _displayName;

    /// <summary>The Npgsql connection string, password included: never show it.</summary>
    public string ConnectionString { get; }

    /// <inheritdoc />
    protected override string? ClockSql => "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

    /// <inheritdoc />
    protected override string RowLockClause => " FOR UPDATE";

    /// <inheritdoc />
    /// <remarks>Every statement is a round trip to the server: a few thousand rows travel in one JSON text.</remarks>
    protected override string? JsonRowsSql(IReadOnlyList<(string Name, string Type)> columns) =>
        "SELECT * FROM json_to_recordset(@d::json) AS x(" + string.Join(", ", columns.Select(c => c.Name + " " + c.Type)) + ")";

    /// <inheritdoc />
    /// <remarks>Temporary tables are never analyzed automatically; without statistics the planner guesses their size.</remarks>
    protected override string AfterStagingSql => "ANALYZE cm_import_staged";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({MigrationLockKey})";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A transaction-scoped advisory lock: copy changes share it and do not wait for each other; a change
    /// of the configured set waits for the copy changes under way and holds back new ones until it commits.
    /// </remarks>
    protected override async Task LockHostSetAsync(DbConnection connection, DbTransaction transaction, bool exclusive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = exclusive ? $"SELECT pg_advisory_xact_lock({HostSetLockKey})" : $"SELECT pg_advisory_xact_lock_shared({HostSetLockKey})";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override bool IsTransient(DbException exception) => exception switch
    {
        // serialization failure, deadlock, lock not available, too many connections, cannot connect now
        PostgresException { SqlState: "40001" or "40P01" or "55P03" or "53300" or "57P03" } => true,
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    /// <inheritdoc />
    protected override string DescribeTransient(DbException exception) => exception switch
    {
        PostgresException { SqlState: "40001" or "40P01" } => $"is busy ({exception.Message.TrimEnd('.')}) because another node changed the same rows at the same moment; try again.",
        PostgresException { SqlState: "55P03" } => $"is busy ({exception.Message.TrimEnd('.')}). Another session holds a lock (a long transaction, a migration, a backup); try again once it has finished.",
        PostgresException { SqlState: "53300" } => $"refused the connection ({exception.Message.TrimEnd('.')}). Too many clients are connected: raise the server's max_connections, or run fewer nodes or commands at once; then try again.",
        PostgresException { SqlState: "57P03" } => $"is not accepting connections yet ({exception.Message.TrimEnd('.')}). The server is starting up, shutting down or recovering; try again in a moment.",
        _ => $"cannot be reached ({exception?.Message.TrimEnd('.')}). Is the PostgreSQL server running and accepting connections at that address? Check the address (--db, CM_DB or the config file) and the server, then try again.",
    };

    /// <inheritdoc />
    /// <remarks>SQLSTATE 53100 (disk_full): the server's disk has no room for the change.</remarks>
    protected override bool IsStorageFull(DbException exception) =>
        exception is PostgresException { SqlState: "53100" };

    /// <inheritdoc />
    protected override bool IsRolledBackConflict(DbException exception) =>
        exception is PostgresException { SqlState: "40001" or "40P01" };

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private static NpgsqlConnectionStringBuilder FromUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("Expected a URI like postgres://user:password@host:5432/database.", nameof(text));
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0)
        {
            throw new ArgumentException($"The URI names no database: add it after the host, as in postgres://{uri.Host}/pool.", nameof(text));
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            try
            {
                builder[key] = value;
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Unknown PostgreSQL connection option '{key}' in the URI.", nameof(text), e);
            }
        }

        return builder;
    }
}
