using System.Data.Common;
using System.Globalization;
using System.Reflection;
using CloudManager.Eviction;
using CloudManager.Exchange;
using CloudManager.Hosts;

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
    public const int SchemaVersion = 5;

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

    /// <summary>Begins a transaction that takes the write lock at once where the provider distinguishes.</summary>
    protected virtual ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(cancellationToken);

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

    /// <inheritdoc />
    public Task<bool> AddCachedFileAsync(
        string nodeId, FileRecord file, IEvictionPolicy policy, long incomingBytes, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            var added = await AddCachedFilesAsync(connection, transaction, nodeId, [file], policy, now, cancellationToken).ConfigureAwait(false);
            await AddTransferAsync(connection, transaction, nodeId, incomingBytes, 0, now, cancellationToken).ConfigureAwait(false);
            return added > 0;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<int> AddCachedFilesAsync(
        string nodeId, IReadOnlyList<FileRecord> files, IEvictionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        return WriteAsync(async (connection, transaction) =>
        {
            var added = await AddCachedFilesAsync(connection, transaction, nodeId, files, policy, now, cancellationToken).ConfigureAwait(false);
            await AddTransferAsync(connection, transaction, nodeId, files.Sum(f => f.Size), 0, now, cancellationToken).ConfigureAwait(false);
            return added;
        }, cancellationToken);
    }

    /// <summary>
    /// Adds the files and their cache entries with the outcome of adding them one by one in order
    /// (each new entry one clock step after the one before), but with one prepared statement per kind
    /// of row and the node's counters updated once.
    /// </summary>
    /// <returns>How many files were new to the catalog.</returns>
    private static async Task<int> AddCachedFilesAsync(
        DbConnection connection, DbTransaction transaction, string nodeId, IReadOnlyList<FileRecord> files, IEvictionPolicy policy, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var added = 0;
        var entering = new List<FileRecord>();
        var entered = new HashSet<ContentHash>();
        var insertFile = new RepeatedCommand(connection, transaction,
            // Insert-or-nothing first: two nodes adding one file at once end with one row, not an error.
            "INSERT INTO files (hash, size, name, created_at, stored_copies, exported_at, sync_id) VALUES (@h, @s, @f, @c, 0, NULL, NULL) ON CONFLICT (hash) DO NOTHING",
            ["h", "s", "f", "c"]);
        await using (insertFile.ConfigureAwait(false))
        {
            var lookup = new RepeatedCommand(connection, transaction,
                "SELECT f.size, c.size FROM files f LEFT JOIN cache_entries c ON c.node_id = @n AND c.hash = f.hash WHERE f.hash = @h", ["h"], ("n", nodeId));
            await using var lookupScope = lookup.ConfigureAwait(false);
            foreach (var file in files)
            {
                var hash = file.Hash.ToString();
                added += await insertFile.Bind(hash, file.Size, file.Name, file.CreatedAt.ToUnixTimeSeconds()).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0 ? 1 : 0;
                var reader = await lookup.Bind(hash).ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var size = reader.GetInt64(0);
                if (size != file.Size)
                {
                    throw new CatalogException($"The catalog knows {hash} with size {size}, not {file.Size}: the catalog or the cache is damaged.");
                }

                // A file listed twice gets its entry once, as the second add would find the first one's.
                if (reader.IsDBNull(1) && entered.Add(file.Hash))
                {
                    entering.Add(file);
                }
            }
        }

        if (entering.Count > 0)
        {
            await AddCacheEntriesAsync(connection, transaction, nodeId, entering, policy, now, cancellationToken).ConfigureAwait(false);
        }

        return added;
    }

    /// <summary>Adds cache entries for files the node does not cache, in order, resuming the counts it remembered from their evictions.</summary>
    private static async Task AddCacheEntriesAsync(
        DbConnection connection, DbTransaction transaction, string nodeId, List<FileRecord> entering, IEvictionPolicy policy, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // The clock as if advanced once per entry: the i-th entry's tick is the start + i.
        var (clock, inflation) = await AdvanceClockAsync(connection, transaction, nodeId, entering.Count, cancellationToken).ConfigureAwait(false);
        var tick = clock - entering.Count;
        var at = now.ToUnixTimeMilliseconds();
        long recalledBytes = 0;
        // Run only when the policy remembers evicted files (created either way: a command never run costs nothing).
        var recall = new RepeatedCommand(connection, transaction,
            "DELETE FROM evicted_entries WHERE node_id = @n AND hash = @h RETURNING size, access_count, evicted_tick", ["h"], ("n", nodeId));
        await using (recall.ConfigureAwait(false))
        {
            var insertEntry = new RepeatedCommand(connection, transaction,
                "INSERT INTO cache_entries (node_id, hash, size, pinned, access_count, last_tick, last_access_at, priority) VALUES (@n, @h, @s, 0, @a, @k, @t, @p)",
                ["h", "s", "a", "k", "p"], ("n", nodeId), ("t", at));
            await using var insertScope = insertEntry.ConfigureAwait(false);
            foreach (var file in entering)
            {
                tick++;
                var hash = file.Hash.ToString();
                var (count, evictedTick) = (1L, (long?)null);
                if (policy.EvictionMemory > 0)
                {
                    var reader = await recall.Bind(hash).ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using var readerScope = reader.ConfigureAwait(false);
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        // A remembered evicted file cached again: forgotten, its access count resumed.
                        recalledBytes += reader.GetInt64(0);
                        (count, evictedTick) = (1 + reader.GetInt64(1), reader.GetInt64(2));
                    }
                }

                var priority = policy.Priority(new CacheAccess(file.Size, count, tick, inflation, evictedTick));
                await insertEntry.Bind(hash, file.Size, count, tick, priority).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await ExecuteAsync(connection, transaction, "UPDATE nodes SET used_bytes = used_bytes + @s, remembered_bytes = remembered_bytes - @r WHERE node_id = @n",
            cancellationToken, ("s", entering.Sum(f => f.Size)), ("r", recalledBytes), ("n", nodeId)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<CacheEntry?> FindCacheEntryAsync(string nodeId, ContentHash hash, CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        var entries = await ReadEntriesAsync(connection, null, $"SELECT {EntryColumns} FROM cache_entries WHERE node_id = @n AND hash = @h",
            cancellationToken, ("n", nodeId), ("h", hash.ToString())).ConfigureAwait(false);
        return entries.Count == 0 ? null : entries[0];
    }, cancellationToken);

    /// <inheritdoc />
    public Task<int> RecordCacheHitsAsync(
        string nodeId, IReadOnlyList<ContentHash> hits, IEvictionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            // A busy file is hit many times per batch: each distinct file is read and written once,
            // and the clock once, with the hits applied in order in between. The outcome is the one
            // hit-by-hit updates give (the aging value does not move on a hit).
            var entries = new Dictionary<ContentHash, CacheEntry>();
            foreach (var hash in hits)
            {
                if (entries.ContainsKey(hash))
                {
                    continue;
                }

                var found = await ReadEntriesAsync(connection, transaction, $"SELECT {EntryColumns} FROM cache_entries WHERE node_id = @n AND hash = @h",
                    cancellationToken, ("n", nodeId), ("h", hash.ToString())).ConfigureAwait(false);
                if (found.Count > 0)
                {
                    entries[hash] = found[0];
                }
            }

            if (entries.Count == 0)
            {
                return 0;
            }

            var applied = hits.Count(entries.ContainsKey);
            var (clock, inflation) = await AdvanceClockAsync(connection, transaction, nodeId, applied, cancellationToken).ConfigureAwait(false);
            var tick = clock - applied;
            foreach (var hash in hits)
            {
                if (entries.TryGetValue(hash, out var entry))
                {
                    tick++;
                    var priority = policy.Priority(new CacheAccess(entry.Size, entry.AccessCount + 1, tick, inflation, entry.LastTick));
                    entries[hash] = entry with { AccessCount = entry.AccessCount + 1, LastTick = tick, Priority = priority };
                }
            }

            foreach (var entry in entries.Values)
            {
                await ExecuteAsync(connection, transaction,
                    "UPDATE cache_entries SET access_count = @a, last_tick = @k, last_access_at = @t, priority = @p WHERE node_id = @n AND hash = @h",
                    cancellationToken, ("a", entry.AccessCount), ("k", entry.LastTick), ("t", now.ToUnixTimeMilliseconds()), ("p", entry.Priority), ("n", nodeId),
                    ("h", entry.Hash.ToString())).ConfigureAwait(false);
            }

            return applied;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<CacheEntry>> ListEvictionCandidatesAsync(
        string nodeId, IEvictionPolicy policy, int minCopies, int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadEntriesAsync(connection, null,
            "SELECT c.hash, c.size, c.pinned, c.access_count, c.last_tick, c.last_access_at, c.priority FROM cache_entries c JOIN files f ON f.hash = c.hash " +
            "WHERE c.node_id = @n AND c.pinned = 0 AND f.stored_copies >= @m " +
            (policy.TieBreak == EvictionTieBreak.MostRecentFirst ? "ORDER BY c.priority, c.last_tick DESC LIMIT @l" : "ORDER BY c.priority, c.last_tick LIMIT @l"),
            cancellationToken, ("n", nodeId), ("m", minCopies), ("l", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<bool> RemoveCacheEntryAsync(string nodeId, ContentHash hash, IEvictionPolicy? agingPolicy, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            // The node's row first, then the entry's, the order every other change to both takes
            // (hits and additions advance the node's clock first): the reverse order deadlocks.
            var node = Command(connection, transaction, "SELECT inflation, used_bytes, clock FROM nodes WHERE node_id = @n" + RowLockClause, ("n", nodeId));
            double inflation = 0;
            long usedBefore = 0, clock = 0;
            await using (node.ConfigureAwait(false))
            {
                var reader = await node.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    (inflation, usedBefore, clock) = (reader.GetDouble(0), reader.GetInt64(1), reader.GetInt64(2));
                }
            }

            var entries = await ReadEntriesAsync(connection, transaction, $"SELECT {EntryColumns} FROM cache_entries WHERE node_id = @n AND hash = @h",
                cancellationToken, ("n", nodeId), ("h", hash.ToString())).ConfigureAwait(false);
            if (entries.Count == 0)
            {
                return false;
            }

            var entry = entries[0];
            await ExecuteAsync(connection, transaction, "DELETE FROM cache_entries WHERE node_id = @n AND hash = @h", cancellationToken, ("n", nodeId), ("h", hash.ToString())).ConfigureAwait(false);
            if (agingPolicy is null)
            {
                await ExecuteAsync(connection, transaction, "UPDATE nodes SET used_bytes = used_bytes - @s WHERE node_id = @n", cancellationToken, ("s", entry.Size), ("n", nodeId)).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(connection, transaction, "UPDATE nodes SET used_bytes = used_bytes - @s, inflation = @i WHERE node_id = @n",
                    cancellationToken, ("s", entry.Size), ("i", agingPolicy.InflationAfterEviction(inflation, entry.Priority)), ("n", nodeId)).ConfigureAwait(false);
                if (agingPolicy.EvictionMemory > 0)
                {
                    await RememberEvictedAsync(connection, transaction, nodeId, entry, clock, EvictionIndex<ContentHash>.EvictionMemoryLimit(agingPolicy, usedBefore), cancellationToken).ConfigureAwait(false);
                }
            }

            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<CacheEntry>> ListCacheEntriesAsync(string nodeId, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadEntriesAsync(connection, null, $"SELECT {EntryColumns} FROM cache_entries WHERE node_id = @n ORDER BY hash",
            cancellationToken, ("n", nodeId)), cancellationToken);

    /// <inheritdoc />
    public Task<long> GetUsedBytesAsync(string nodeId, CancellationToken cancellationToken) => RunAsync(async connection =>
        await ScalarAsync<long?>(connection, null, "SELECT used_bytes FROM nodes WHERE node_id = @n", cancellationToken, ("n", nodeId)).ConfigureAwait(false) ?? 0,
        cancellationToken);

    /// <inheritdoc />
    public Task<bool> SetPinnedAsync(string nodeId, ContentHash hash, bool pinned, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, "UPDATE cache_entries SET pinned = @p WHERE node_id = @n AND hash = @h",
                cancellationToken, ("p", pinned ? 1 : 0), ("n", nodeId), ("h", hash.ToString())).ConfigureAwait(false) > 0,
            cancellationToken);

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

    /// <summary>Advances the node's clock by <paramref name="ticks"/>; returns the new clock and the aging value.</summary>
    private static async Task<(long Tick, double Inflation)> AdvanceClockAsync(
        DbConnection connection, DbTransaction transaction, string nodeId, long ticks, CancellationToken cancellationToken)
    {
        var command = Command(connection, transaction, "UPDATE nodes SET clock = clock + @d WHERE node_id = @n RETURNING clock, inflation", ("d", ticks), ("n", nodeId));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CatalogException($"Node '{nodeId}' is not registered in the catalog.");
        }

        return (reader.GetInt64(0), reader.GetDouble(1));
    }

    /// <summary>
    /// Remembers an evicted file's access count, then forgets the oldest remembered files until their
    /// bytes are within <paramref name="limit"/>: each row is trimmed once, so the trimming is amortized O(1).
    /// </summary>
    private static async Task RememberEvictedAsync(
        DbConnection connection, DbTransaction transaction, string nodeId, CacheEntry entry, long clock, long limit, CancellationToken cancellationToken)
    {
        var hash = entry.Hash.ToString();
        // A row left by another process for the same file is replaced, its bytes with it.
        var stale = await ScalarAsync<long?>(connection, transaction, "DELETE FROM evicted_entries WHERE node_id = @n AND hash = @h RETURNING size",
            cancellationToken, ("n", nodeId), ("h", hash)).ConfigureAwait(false) ?? 0;
        await ExecuteAsync(connection, transaction,
            "INSERT INTO evicted_entries (node_id, hash, size, access_count, evicted_tick) VALUES (@n, @h, @s, @a, @k)",
            cancellationToken, ("n", nodeId), ("h", hash), ("s", entry.Size), ("a", entry.AccessCount), ("k", clock)).ConfigureAwait(false);
        var remembered = await ScalarAsync<long>(connection, transaction,
            "UPDATE nodes SET remembered_bytes = remembered_bytes + @s WHERE node_id = @n RETURNING remembered_bytes",
            cancellationToken, ("s", entry.Size - stale), ("n", nodeId)).ConfigureAwait(false);
        while (remembered > limit)
        {
            var oldest = Command(connection, transaction,
                "SELECT hash, size FROM evicted_entries WHERE node_id = @n ORDER BY evicted_tick, hash LIMIT 1", ("n", nodeId));
            string oldestHash;
            long oldestSize;
            await using (oldest.ConfigureAwait(false))
            {
                var reader = await oldest.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                (oldestHash, oldestSize) = (reader.GetString(0), reader.GetInt64(1));
            }

            await ExecuteAsync(connection, transaction, "DELETE FROM evicted_entries WHERE node_id = @n AND hash = @h", cancellationToken, ("n", nodeId), ("h", oldestHash)).ConfigureAwait(false);
            remembered = await ScalarAsync<long>(connection, transaction,
                "UPDATE nodes SET remembered_bytes = remembered_bytes - @s WHERE node_id = @n RETURNING remembered_bytes",
                cancellationToken, ("s", oldestSize), ("n", nodeId)).ConfigureAwait(false);
        }
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
            _ => throw new InvalidOperationException($"No migration script for schema version {version}."),
        };
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded migration '{name}' is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <inheritdoc />
    public Task<long?> FindCachedSizeAsync(string nodeId, ContentHash hash, CancellationToken cancellationToken) => RunAsync(connection =>
        ScalarAsync<long?>(connection, null, "SELECT size FROM cache_entries WHERE node_id = @n AND hash = @h", cancellationToken, ("n", nodeId), ("h", hash.ToString())),
        cancellationToken);

    /// <inheritdoc />
    public Task<NodeFile?> FindFileOnNodeAsync(string nodeId, ContentHash hash, CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        var command = Command(connection, null,
            $"SELECT {FileColumns}, c.size FROM files f LEFT JOIN cache_entries c ON c.node_id = @n AND c.hash = f.hash WHERE f.hash = @h",
            ("n", nodeId), ("h", hash.ToString()));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new NodeFile(ReadFile(reader), reader.IsDBNull(FileColumnCount) ? null : reader.GetInt64(FileColumnCount));
    }, cancellationToken);

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

    /// <summary>Whether the database refused a change because the disk under it is full.</summary>
    protected virtual bool IsStorageFull(DbException exception) => false;

    private CatalogException Translate(DbException e) =>
        IsStorageFull(e)
            ? new CatalogStorageException(DisplayName, e)
            : IsTransient(e)
            ? new CatalogException($"The catalog {DisplayName} is busy: {e.Message} Another process holds a lock on it (a long transaction, a backup, an open sqlite3 shell); try again once it has finished.", e, isTransient: true)
            : new CatalogException($"The catalog {DisplayName} failed: {e.Message}", e);
}
