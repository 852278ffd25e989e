using System.Globalization;
using CloudManager.Hosts;

namespace CloudManager.Catalog;

// The hosts' journals: which copies lack their record on the host, and the catalog rebuilt from the hosts.
public abstract partial class SqlCatalog : IRecoveryCatalog
{
    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListUnjournaledCopiesAsync(string hostId, ContentHash? after, int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFilesAsync(connection, null,
            $"SELECT {FileColumns} FROM files f JOIN copies k ON k.hash = f.hash WHERE k.host = @i AND k.journaled = 0 AND k.state = 0 AND f.hash > @a ORDER BY f.hash LIMIT @l",
            cancellationToken, ("i", hostId), ("a", after?.ToString() ?? ""), ("l", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<HostCopy>> ListCopiesOnHostAsync(string hostId, ContentHash? after, int limit, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<HostCopy>>(async connection =>
        {
            var command = Command(connection, null,
                $"SELECT {FileColumns}, k.state FROM files f JOIN copies k ON k.hash = f.hash WHERE k.host = @i AND f.hash > @a ORDER BY f.hash LIMIT @l",
                ("i", hostId), ("a", after?.ToString() ?? ""), ("l", limit));
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            var copies = new List<HostCopy>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                copies.Add(new HostCopy(ReadFile(reader), (CopyState)reader.GetInt32(FileColumnCount)));
            }

            return copies;
        }, cancellationToken);

    /// <inheritdoc />
    public Task MarkJournaledAsync(string hostId, IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        return WriteAsync(async (connection, transaction) =>
        {
            foreach (var chunk in hashes.Chunk(64))
            {
                var names = string.Join(", ", chunk.Select((_, i) => "@h" + i.ToString(CultureInfo.InvariantCulture)));
                var parameters = chunk.Select((h, i) => ("h" + i.ToString(CultureInfo.InvariantCulture), (object?)h.ToString())).Append(("i", hostId)).ToArray();
                await ExecuteAsync(connection, transaction, $"UPDATE copies SET journaled = 1 WHERE host = @i AND hash IN ({names})", cancellationToken, parameters)
                    .ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ContentHash>> AddRecoveredFilesAsync(IReadOnlyList<FileRecord> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        return WriteAsync<IReadOnlyList<ContentHash>>(async (connection, transaction) =>
        {
            var added = new List<ContentHash>();
            foreach (var file in files)
            {
                var inserted = await ScalarAsync<string>(connection, transaction,
                    "INSERT INTO files (hash, size, name, created_at, stored_copies, exported_at, sync_id) VALUES (@h, @s, @n, @c, 0, NULL, NULL) " +
                    "ON CONFLICT (hash) DO NOTHING RETURNING hash",
                    cancellationToken, ("h", file.Hash.ToString()), ("s", file.Size), ("n", file.Name), ("c", file.CreatedAt.ToUnixTimeSeconds())).ConfigureAwait(false);
                if (inserted is not null)
                {
                    added.Add(file.Hash);
                }
            }

            return added;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> RecordRecoveredCopiesAsync(
        string hostId, string hostName, IReadOnlyList<(ContentHash Hash, bool Journaled)> copies, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copies);
        return WriteAsync(async (connection, transaction) =>
        {
            var revived = 0;
            foreach (var (hash, journaled) in copies)
            {
                var h = hash.ToString();
                await LockFileAsync(connection, transaction, h, cancellationToken).ConfigureAwait(false);
                var before = await ScalarAsync<long?>(connection, transaction, "SELECT state FROM copies WHERE hash = @h AND host = @i",
                    cancellationToken, ("h", h), ("i", hostId)).ConfigureAwait(false);
                if (before == (long)CopyState.Damaged || before == (long)CopyState.Stored)
                {
                    if (journaled && before == (long)CopyState.Stored)
                    {
                        await ExecuteAsync(connection, transaction, "UPDATE copies SET journaled = 1 WHERE hash = @h AND host = @i",
                            cancellationToken, ("h", h), ("i", hostId)).ConfigureAwait(false);
                    }

                    continue;
                }

                await ExecuteAsync(connection, transaction,
                    "INSERT INTO copies (hash, host, locator, state, attempts, last_error, updated_at, journaled) VALUES (@h, @i, @l, 0, 0, NULL, @t, @j) " +
                    "ON CONFLICT (hash, host) DO UPDATE SET locator = excluded.locator, state = 0, last_error = NULL, updated_at = excluded.updated_at, journaled = excluded.journaled",
                    cancellationToken, ("h", h), ("i", hostId), ("l", ContentKeys.Of(hash)), ("t", now.ToUnixTimeMilliseconds()), ("j", journaled ? 1 : 0)).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "DELETE FROM copy_hints WHERE hash = @h AND host_name = @o", cancellationToken, ("h", h), ("o", hostName)).ConfigureAwait(false);
                await RecountCopiesAsync(connection, transaction, h, cancellationToken).ConfigureAwait(false);
                revived++;
            }

            return revived;
        }, cancellationToken);
    }
}
