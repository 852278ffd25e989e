using System.Data.Common;
using CloudManager.Eviction;

namespace CloudManager.Catalog;

// Each node's cache entries: additions, hits, eviction order, removals (and the memory of
// evicted files' access counts), pins and used bytes. Every change that touches a node's row and an entry
// takes the node's row first.
public abstract partial class SqlCatalog : ICacheIndex
{
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
}
