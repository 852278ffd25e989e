using System.Data.Common;
using System.Globalization;
using System.Reflection;
using CloudManager.Eviction;

namespace CloudManager.Catalog;

/// <summary>
/// The catalog over any ADO.NET provider whose SQL accepts the portable subset used here
/// (<c>ON CONFLICT … DO UPDATE</c>, <c>RETURNING</c>, <c>LIMIT</c>, <c>@name</c> parameters):
/// SQLite and PostgreSQL. Providers supply connections and classify their errors.
/// </summary>
/// <remarks>Every value goes through a parameter; SQL text is built from constants only.</remarks>
public abstract partial class SqlCatalog : ICatalog
{
    /// <summary>The newest schema version this code knows.</summary>
    public const int SchemaVersion = 7;

    /// <inheritdoc />
    public abstract string DisplayName { get; }

    /// <summary>Opens a connection ready for use (pragmas or session settings applied).</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Whether a provider error may go away if the operation is tried again (lock, busy, serialization failure).</summary>
    protected abstract bool IsTransient(DbException exception);

    /// <summary>Runs once per migration before the schema scripts (e.g. to set the journal mode).</summary>
    protected virtual Task PrepareDatabaseAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Takes whatever lock makes concurrent migrations safe, inside the migration's transaction
    /// (SQLite's write transaction already excludes other writers).
    /// </summary>
    protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The SQL suffix that locks the rows a SELECT reads until the transaction ends (<c>FOR UPDATE</c>),
    /// or empty where write transactions are already serialized (SQLite).
    /// </summary>
    protected virtual string RowLockClause => "";

    /// <summary>
    /// Takes the lock on the set of host identities that nodes configure (<c>node_hosts</c>) until the
    /// transaction ends: exclusive to change the set and recount the copies it changes, shared to change
    /// a file's copies, always before any file's row lock. A copy is then counted against the set as it
    /// stands when the copy commits, whichever of two nodes commits first. A no-op where write
    /// transactions are already serialized (SQLite).
    /// </summary>
    protected virtual Task LockHostSetAsync(DbConnection connection, DbTransaction transaction, bool exclusive, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>Begins a transaction that takes the write lock at once where the provider distinguishes.</summary>
    protected virtual ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(cancellationToken);

    /// <summary>
    /// A query for the database server's clock in Unix milliseconds, or null where the database has no
    /// clock of its own (an embedded one, whose nodes share the machine's clock).
    /// </summary>
    protected virtual string? ClockSql => null;

    /// <inheritdoc />
    public Task<DateTimeOffset?> ReadClockAsync(CancellationToken cancellationToken) =>
        ClockSql is not { } sql
            ? Task.FromResult<DateTimeOffset?>(null)
            : RunAsync<DateTimeOffset?>(async connection =>
                DateTimeOffset.FromUnixTimeMilliseconds(await ScalarAsync<long>(connection, null, sql, cancellationToken).ConfigureAwait(false)), cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task<int> MigrateAsync(CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        if (await ReadSchemaVersionAsync(connection, cancellationToken).ConfigureAwait(false) == SchemaVersion)
        {
            // Up to date: every open after the first reads one row instead of taking the write lock.
            return SchemaVersion;
        }

        await PrepareDatabaseAsync(connection, cancellationToken).ConfigureAwait(false);
        var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS cm_schema (version INTEGER NOT NULL)", cancellationToken).ConfigureAwait(false);
            var current = await ScalarAsync<long?>(connection, transaction, "SELECT MAX(version) FROM cm_schema", cancellationToken).ConfigureAwait(false) ?? 0;
            if (current > SchemaVersion)
            {
                throw new CatalogVersionException((int)current, SchemaVersion);
            }

            for (var version = (int)current + 1; version <= SchemaVersion; version++)
            {
                await ExecuteAsync(connection, transaction, LoadScript(version), cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "INSERT INTO cm_schema (version) VALUES (@v)", cancellationToken, ("v", version)).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return SchemaVersion;
    }, cancellationToken);

    private static async Task<long?> ReadSchemaVersionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return await ScalarAsync<long?>(connection, null, "SELECT MAX(version) FROM cm_schema", cancellationToken).ConfigureAwait(false);
        }
        catch (DbException)
        {
            // No schema table yet: a new catalog, created by the migration that follows.
            return null;
        }
    }

    /// <inheritdoc />
    public Task EnsureNodeAsync(string nodeId, IEvictionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO nodes (node_id, used_bytes, clock, inflation, policy, created_at) VALUES (@n, 0, 0, 0, @p, @t) ON CONFLICT (node_id) DO NOTHING",
                cancellationToken, ("n", nodeId), ("p", policy.Name), ("t", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            var stored = await ScalarAsync<string>(connection, transaction, "SELECT policy FROM nodes WHERE node_id = @n", cancellationToken, ("n", nodeId)).ConfigureAwait(false);
            if (stored == policy.Name)
            {
                return 0;
            }

            // Another policy computed the stored priorities: recompute them all, from a fresh aging value.
            var entries = await ReadEntriesAsync(connection, transaction,
                "SELECT hash, size, pinned, access_count, last_tick, last_access_at, priority FROM cache_entries WHERE node_id = @n", cancellationToken, ("n", nodeId)).ConfigureAwait(false);
            var update = Command(connection, transaction, "UPDATE cache_entries SET priority = @p WHERE node_id = @n AND hash = @h");
            await using var updateScope = update.ConfigureAwait(false);
            var p = AddParameter(update, "p", 0.0);
            AddParameter(update, "n", nodeId);
            var h = AddParameter(update, "h", "");
            foreach (var entry in entries)
            {
                p.Value = policy.Priority(new CacheAccess(entry.Size, entry.AccessCount, entry.LastTick, 0));
                h.Value = entry.Hash.ToString();
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Remembered counts were kept for the old policy's sake.
            await ExecuteAsync(connection, transaction, "DELETE FROM evicted_entries WHERE node_id = @n", cancellationToken, ("n", nodeId)).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "UPDATE nodes SET policy = @p, inflation = 0, remembered_bytes = 0 WHERE node_id = @n", cancellationToken, ("p", policy.Name), ("n", nodeId)).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    private static async Task<QueueInfo> ReadQueueInfoAsync(
        DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, null, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new QueueInfo(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
    }

    private const string FileColumns = "f.hash, f.size, f.name, f.created_at, f.stored_copies, f.exported_at, f.sync_id";
    private const int FileColumnCount = 7;
    private const string EntryColumns = "hash, size, pinned, access_count, last_tick, last_access_at, priority";

    private static FileRecord ReadFile(DbDataReader reader) => new(
        ContentHash.Parse(reader.GetString(0)),
        reader.GetInt64(1),
        reader.GetString(2),
        DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(3)),
        reader.GetInt32(4),
        reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        reader.IsDBNull(6) ? null : reader.GetString(6));

    private static async Task<IReadOnlyList<FileRecord>> ReadFilesAsync(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, transaction, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var files = new List<FileRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(ReadFile(reader));
        }

        return files;
    }

    private static async Task<IReadOnlyList<CacheEntry>> ReadEntriesAsync(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, transaction, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var entries = new List<CacheEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new CacheEntry(
                ContentHash.Parse(reader.GetString(0)),
                reader.GetInt64(1),
                reader.GetInt32(2) != 0,
                reader.GetInt64(3),
                reader.GetInt64(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.GetDouble(6)));
        }

        return entries;
    }

    /// <summary>The meter's month key for an instant: <c>YYYY-MM</c> in UTC.</summary>
    public static string MonthOf(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string LoadScript(int version)
    {
        var name = version switch
        {
            1 => "CloudManager.Catalog.001_initial.sql",
            2 => "CloudManager.Catalog.002_listing_indexes.sql",
            3 => "CloudManager.Catalog.003_eviction_memory.sql",
            4 => "CloudManager.Catalog.004_export_order_index.sql",
            5 => "CloudManager.Catalog.005_drop_export_index.sql",
            6 => "CloudManager.Catalog.006_host_identities.sql",
            7 => "CloudManager.Catalog.007_copy_journal.sql",
            _ => throw new InvalidOperationException($"No migration script for schema version {version}."),
        };
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded migration '{name}' is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Creates a command with parameters.</summary>
    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            AddParameter(command, name, value);
        }

        return command;
    }

    private static DbParameter AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task<int> ExecuteAsync(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, transaction, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T?> ScalarAsync<T>(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, transaction, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (value is null or DBNull)
        {
            return default;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
    }

    /// <summary>Runs read-only work on a fresh connection, translating provider errors.</summary>
    protected async Task<T> RunAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await work(connection).ConfigureAwait(false);
            }
        }
        catch (DbException e)
        {
            throw Translate(e);
        }
    }

    /// <summary>
    /// Whether the server rolled the whole transaction back because of a conflict with another one
    /// (a deadlock, a serialization failure), so that running it again from the start is safe.
    /// </summary>
    protected virtual bool IsRolledBackConflict(DbException exception) => false;

    /// <summary>
    /// Runs work in one write transaction, committed only if the work returns normally. A transaction
    /// the server rolled back for a conflict (<see cref="IsRolledBackConflict"/>) runs again, a few
    /// times, after a short random pause: the other transaction went on, and the caller has nothing to
    /// decide.
    /// </summary>
    protected async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        const int MaxAttempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunAsync(async connection =>
                {
                    var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        var result = await work(connection, transaction).ConfigureAwait(false);
                        // The commit itself must not be cancelled half way: once the work is done, finish it.
                        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                        return result;
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (CatalogException e) when (attempt < MaxAttempts && e.InnerException is DbException db && IsRolledBackConflict(db))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 20 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// What a transient failure means and what to do, following the catalog's name: "is busy: … try
    /// again once it has finished", "cannot be reached: … is the server running?".
    /// </summary>
    protected abstract string DescribeTransient(DbException exception);

    /// <summary>Whether the database refused a change because the disk under it is full.</summary>
    protected virtual bool IsStorageFull(DbException exception) => false;

    private CatalogException Translate(DbException e) =>
        IsStorageFull(e)
            ? new CatalogStorageException(DisplayName, e)
            : IsTransient(e)
            ? new CatalogException($"The catalog {DisplayName} {DescribeTransient(e)}", e, isTransient: true)
            : new CatalogException($"The catalog {DisplayName} failed: {e.Message}", e);
}
