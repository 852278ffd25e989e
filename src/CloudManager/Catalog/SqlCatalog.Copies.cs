using System.Data.Common;
using System.Globalization;
using CloudManager.Hosts;

namespace CloudManager.Catalog;

// The copies of files on hosts and the hosts' health. A change to a file's copies takes the shared lock
// on the configured host set, then locks the file's row and recounts its stored copies, in one transaction.
public abstract partial class SqlCatalog : ICopyCatalog
{
    /// <inheritdoc />
    public Task<IReadOnlyList<CopyRecord>> GetCopiesAsync(ContentHash hash, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<CopyRecord>>(async connection =>
    {
        var copies = await ReadCopiesAsync(connection, [hash], cancellationToken).ConfigureAwait(false);
        return copies.GetValueOrDefault(hash, []);
    }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<ContentHash, IReadOnlyList<CopyRecord>>> GetCopiesAsync(IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        return RunAsync(connection => ReadCopiesAsync(connection, hashes, cancellationToken), cancellationToken);
    }

    // One query per 64 files: few round trips, and few parameters to bind by name (a linear search each in SQLite).
    private static async Task<IReadOnlyDictionary<ContentHash, IReadOnlyList<CopyRecord>>> ReadCopiesAsync(
        DbConnection connection, IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken)
    {
        var copies = new Dictionary<ContentHash, IReadOnlyList<CopyRecord>>();
        foreach (var chunk in hashes.Chunk(64))
        {
            var names = string.Join(", ", chunk.Select((_, i) => "@h" + i.ToString(CultureInfo.InvariantCulture)));
            var command = Command(connection, null,
                $"SELECT k.hash, k.host, COALESCE(i.name, k.host), k.locator, k.state, k.attempts, k.last_error, k.updated_at FROM copies k " +
                $"LEFT JOIN host_ids i ON i.host_id = k.host WHERE k.hash IN ({names}) ORDER BY k.hash, k.host",
                chunk.Select((h, i) => ("h" + i.ToString(CultureInfo.InvariantCulture), (object?)h.ToString())).ToArray());
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var hash = ContentHash.Parse(reader.GetString(0));
                if (!copies.TryGetValue(hash, out var list))
                {
                    list = new List<CopyRecord>();
                    copies.Add(hash, list);
                }

                ((List<CopyRecord>)list).Add(new CopyRecord(
                    hash,
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.IsDBNull(3) ? null : new HostLocator(reader.GetString(3)),
                    (CopyState)reader.GetInt32(4),
                    reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
            }
        }

        return copies;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListRepairCandidatesAsync(string nodeId, int redundancy, int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFilesAsync(connection, null,
            $"SELECT {FileColumns} FROM files f WHERE f.stored_copies >= 1 AND f.stored_copies < @r " +
            "AND NOT EXISTS (SELECT 1 FROM cache_entries c WHERE c.hash = f.hash AND c.node_id = @n) " +
            "AND EXISTS (SELECT 1 FROM copies k WHERE k.hash = f.hash AND k.state IN (2, 3)) ORDER BY f.created_at, f.hash LIMIT @l",
            cancellationToken, ("n", nodeId), ("r", redundancy), ("l", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListUnderReplicatedAsync(string nodeId, int redundancy, int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFilesAsync(connection, null,
            $"SELECT {FileColumns} FROM files f JOIN cache_entries c ON c.hash = f.hash AND c.node_id = @n WHERE f.stored_copies < @r ORDER BY f.created_at, f.hash LIMIT @l",
            cancellationToken, ("n", nodeId), ("r", redundancy), ("l", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListFilesToVerifyAsync(ContentHash? after, int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFilesAsync(connection, null,
            $"SELECT {FileColumns} FROM files f WHERE f.hash > @a AND (EXISTS (SELECT 1 FROM copies k WHERE k.hash = f.hash) " +
            "OR EXISTS (SELECT 1 FROM copy_hints h WHERE h.hash = f.hash) OR NOT EXISTS (SELECT 1 FROM cache_entries c WHERE c.hash = f.hash)) ORDER BY f.hash LIMIT @l",
            cancellationToken, ("a", after?.ToString() ?? ""), ("l", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListFilesWithHintsAsync(IReadOnlyCollection<string> hostNames, ContentHash? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostNames);
        if (hostNames.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<FileRecord>>([]);
        }

        var names = string.Join(", ", hostNames.Select((_, i) => "@o" + i.ToString(CultureInfo.InvariantCulture)));
        var parameters = hostNames.Select((n, i) => ("o" + i.ToString(CultureInfo.InvariantCulture), (object?)n))
            .Append(("a", after?.ToString() ?? "")).Append(("l", limit)).ToArray();
        return RunAsync(connection => ReadFilesAsync(connection, null,
            $"SELECT {FileColumns} FROM files f WHERE f.hash > @a AND EXISTS (SELECT 1 FROM copy_hints h WHERE h.hash = f.hash AND h.host_name IN ({names})) ORDER BY f.hash LIMIT @l",
            cancellationToken, parameters), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CopyHint>> GetCopyHintsAsync(ContentHash hash, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<CopyHint>>(async connection =>
    {
        var command = Command(connection, null, "SELECT host_name, locator, learned_at FROM copy_hints WHERE hash = @h ORDER BY host_name", ("h", hash.ToString()));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var hints = new List<CopyHint>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hints.Add(new CopyHint(hash, reader.GetString(0), new HostLocator(reader.GetString(1)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return hints;
    }, cancellationToken);

    /// <inheritdoc />
    public Task RemoveCopyHintAsync(ContentHash hash, string hostName, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, "DELETE FROM copy_hints WHERE hash = @h AND host_name = @o",
                cancellationToken, ("h", hash.ToString()), ("o", hostName)).ConfigureAwait(false), cancellationToken);

    /// <inheritdoc />
    public Task<int> ConfirmCopyAsync(ContentHash hash, string hostId, string hostName, HostLocator locator, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            var h = hash.ToString();
            await LockCopiesAsync(connection, transaction, h, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction,
                "INSERT INTO copies (hash, host, locator, state, attempts, last_error, updated_at) VALUES (@h, @i, @l, 0, 0, NULL, @t) " +
                "ON CONFLICT (hash, host) DO UPDATE SET locator = excluded.locator, state = 0, last_error = NULL, updated_at = excluded.updated_at",
                cancellationToken, ("h", h), ("i", hostId), ("l", locator.Value), ("t", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "DELETE FROM copy_hints WHERE hash = @h AND host_name = @o", cancellationToken, ("h", h), ("o", hostName)).ConfigureAwait(false);
            return await RecountCopiesAsync(connection, transaction, h, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<int> RecordCopyAttemptAsync(string nodeId, CopyAttempt attempt, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            var hash = attempt.Hash.ToString();
            var at = now.ToUnixTimeMilliseconds();
            await LockCopiesAsync(connection, transaction, hash, cancellationToken).ConfigureAwait(false);
            if (attempt.Locator is { } locator)
            {
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO copies (hash, host, locator, state, attempts, last_error, updated_at) VALUES (@h, @o, @l, 0, 1, NULL, @t) " +
                    "ON CONFLICT (hash, host) DO UPDATE SET locator = excluded.locator, state = 0, attempts = copies.attempts + 1, last_error = NULL, updated_at = excluded.updated_at",
                    cancellationToken, ("h", hash), ("o", attempt.HostId), ("l", locator.Value), ("t", at)).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO copies (hash, host, locator, state, attempts, last_error, updated_at) VALUES (@h, @o, NULL, 1, 1, @e, @t) " +
                    "ON CONFLICT (hash, host) DO UPDATE SET attempts = copies.attempts + 1, last_error = excluded.last_error, updated_at = excluded.updated_at",
                    cancellationToken, ("h", hash), ("o", attempt.HostId), ("e", attempt.Error ?? "failed"), ("t", at)).ConfigureAwait(false);
            }

            // The attempt is over: this node's claim on it ends with its record.
            await ExecuteAsync(connection, transaction, "DELETE FROM copy_leases WHERE hash = @h AND host_id = @i AND node_id = @n",
                cancellationToken, ("h", hash), ("i", attempt.HostId), ("n", nodeId)).ConfigureAwait(false);

            // Damaged bytes from the cache say nothing about the host.
            if (!attempt.SourceDamaged)
            {
                await RecordHostResultAsync(connection, transaction, attempt.HostName, attempt.Succeeded ? null : attempt.Error ?? "failed", now, cancellationToken).ConfigureAwait(false);
            }

            await AddTransferAsync(connection, transaction, nodeId, 0, attempt.BytesSent, now, cancellationToken).ConfigureAwait(false);
            return await RecountCopiesAsync(connection, transaction, hash, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task MarkCopyProblemAsync(ContentHash hash, string hostId, CopyState state, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (state is not (CopyState.Damaged or CopyState.Missing))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A copy's problem is Damaged or Missing.");
        }

        return WriteAsync(async (connection, transaction) =>
        {
            await LockCopiesAsync(connection, transaction, hash.ToString(), cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "UPDATE copies SET state = @s, last_error = @e, updated_at = @t WHERE hash = @h AND host = @o",
                cancellationToken, ("s", (int)state), ("e", Truncate(error, 1000)), ("t", now.ToUnixTimeMilliseconds()), ("h", hash.ToString()), ("o", hostId)).ConfigureAwait(false);
            return await RecountCopiesAsync(connection, transaction, hash.ToString(), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task RecordHostResultAsync(string hostName, string? error, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            await RecordHostResultAsync(connection, transaction, hostName, error, now, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    private static Task RecordHostResultAsync(
        DbConnection connection, DbTransaction transaction, string hostName, string? error, DateTimeOffset now, CancellationToken cancellationToken) =>
        error is null
            ? ExecuteAsync(connection, transaction,
                "INSERT INTO hosts (name, successes, failures, consecutive_failures, last_error, last_failure_at, last_success_at) VALUES (@o, 1, 0, 0, NULL, NULL, @t) " +
                "ON CONFLICT (name) DO UPDATE SET successes = hosts.successes + 1, consecutive_failures = 0, last_success_at = excluded.last_success_at",
                cancellationToken, ("o", hostName), ("t", now.ToUnixTimeMilliseconds()))
            : ExecuteAsync(connection, transaction,
                "INSERT INTO hosts (name, successes, failures, consecutive_failures, last_error, last_failure_at, last_success_at) VALUES (@o, 0, 1, 1, @e, @t, NULL) " +
                "ON CONFLICT (name) DO UPDATE SET failures = hosts.failures + 1, consecutive_failures = hosts.consecutive_failures + 1, last_error = excluded.last_error, last_failure_at = excluded.last_failure_at",
                cancellationToken, ("o", hostName), ("e", Truncate(error, 1000)), ("t", now.ToUnixTimeMilliseconds()));

    /// <inheritdoc />
    public Task<IReadOnlyList<HostHealth>> GetHostHealthAsync(CancellationToken cancellationToken) => RunAsync<IReadOnlyList<HostHealth>>(async connection =>
    {
        var command = Command(connection, null,
            "SELECT name, successes, failures, consecutive_failures, last_error, last_failure_at, last_success_at FROM hosts ORDER BY name");
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var hosts = new List<HostHealth>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hosts.Add(new HostHealth(
                reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }

        return hosts;
    }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, long>> CountStoredCopiesByHostAsync(CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyDictionary<string, long>>(async connection =>
        {
            var command = Command(connection, null, "SELECT host, COUNT(*) FROM copies WHERE state = 0 GROUP BY host");
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
            }

            return counts;
        }, cancellationToken);

    /// <summary>Locks a file's row so that concurrent copy changes recount in turn (a no-op where writers are serialized).</summary>
    private async Task LockFileAsync(DbConnection connection, DbTransaction transaction, string hash, CancellationToken cancellationToken)
    {
        if (RowLockClause.Length > 0)
        {
            await ScalarAsync<string>(connection, transaction, "SELECT hash FROM files WHERE hash = @h" + RowLockClause, cancellationToken, ("h", hash)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Before a change to a file's copies: the shared lock on the configured host set (so that a node
    /// changing its hosts cannot recount around this copy), then the file's row.
    /// </summary>
    private async Task LockCopiesAsync(DbConnection connection, DbTransaction transaction, string hash, CancellationToken cancellationToken)
    {
        await LockHostSetAsync(connection, transaction, exclusive: false, cancellationToken).ConfigureAwait(false);
        await LockFileAsync(connection, transaction, hash, cancellationToken).ConfigureAwait(false);
    }

    private static readonly string RecountCopiesSql = $"UPDATE files SET stored_copies = {StoredCopiesOf("@h")} WHERE hash = @h RETURNING stored_copies";

    private static async Task<int> RecountCopiesAsync(DbConnection connection, DbTransaction transaction, string hash, CancellationToken cancellationToken) =>
        (int)(await ScalarAsync<long?>(connection, transaction, RecountCopiesSql, cancellationToken, ("h", hash)).ConfigureAwait(false) ?? 0);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
