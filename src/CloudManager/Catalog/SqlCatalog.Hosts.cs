using System.Data.Common;
using System.Globalization;

namespace CloudManager.Catalog;

// Host identities and the identities each node has configured. A file's stored copies count only the
// copies on identities some node has configured, so a change of a node's set recounts the files it touches.
public abstract partial class SqlCatalog : IHostCatalog
{
    /// <inheritdoc />
    public Task<IReadOnlyList<HostIdentityRecord>> GetHostIdentitiesAsync(CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<HostIdentityRecord>>(async connection =>
        {
            var command = Command(connection, null, "SELECT host_id, name, kind, location, first_seen_at, last_seen_at FROM host_ids ORDER BY name, host_id");
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            var identities = new List<HostIdentityRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                identities.Add(new HostIdentityRecord(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
            }

            return identities;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetNodeHostsAsync(string nodeId, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadNodeHostsAsync(connection, null, nodeId, cancellationToken), cancellationToken);

    private static async Task<IReadOnlyList<string>> ReadNodeHostsAsync(DbConnection connection, DbTransaction? transaction, string nodeId, CancellationToken cancellationToken)
    {
        var command = Command(connection, transaction, "SELECT host_id FROM node_hosts WHERE node_id = @n ORDER BY host_id", ("n", nodeId));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <inheritdoc />
    public Task RecordHostIdentityAsync(string hostId, string name, string kind, string location, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction,
                "INSERT INTO host_ids (host_id, name, kind, location, first_seen_at, last_seen_at) VALUES (@i, @n, @k, @l, @t, @t) " +
                "ON CONFLICT (host_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, location = excluded.location, last_seen_at = excluded.last_seen_at",
                cancellationToken, ("i", hostId), ("n", name), ("k", kind), ("l", location), ("t", now.ToUnixTimeMilliseconds())).ConfigureAwait(false),
            cancellationToken);

    /// <inheritdoc />
    public Task SetNodeHostsAsync(string nodeId, IReadOnlyCollection<string> hostIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostIds);
        var after = hostIds.ToHashSet(StringComparer.Ordinal);
        return WriteAsync(async (connection, transaction) =>
        {
            // Most opens change nothing: they need not wait for the copy changes under way.
            if ((await ReadNodeHostsAsync(connection, transaction, nodeId, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal).SetEquals(after))
            {
                return 0;
            }

            // From here on no copy changes and no other node changes its set: what is read next is what
            // the recount must follow, and no copy committed meanwhile escapes it.
            await LockHostSetAsync(connection, transaction, exclusive: true, cancellationToken).ConfigureAwait(false);
            var before = (await ReadNodeHostsAsync(connection, transaction, nodeId, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            var activeBefore = await ReadActiveHostsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            foreach (var removed in before.Except(after, StringComparer.Ordinal))
            {
                await ExecuteAsync(connection, transaction, "DELETE FROM node_hosts WHERE node_id = @n AND host_id = @i", cancellationToken, ("n", nodeId), ("i", removed)).ConfigureAwait(false);
            }

            foreach (var added in after.Except(before, StringComparer.Ordinal))
            {
                await ExecuteAsync(connection, transaction, "INSERT INTO node_hosts (node_id, host_id) VALUES (@n, @i) ON CONFLICT (node_id, host_id) DO NOTHING",
                    cancellationToken, ("n", nodeId), ("i", added)).ConfigureAwait(false);
            }

            // Only identities that some node started or stopped having change what copies count: another
            // node with the same hosts changes nothing, and recounts nothing.
            var activeAfter = await ReadActiveHostsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var changed = activeBefore.Union(activeAfter, StringComparer.Ordinal)
                .Except(activeBefore.Intersect(activeAfter, StringComparer.Ordinal), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (changed.Count == 0)
            {
                return 0;
            }

            var names = string.Join(", ", changed.Select((_, i) => "@i" + i.ToString(CultureInfo.InvariantCulture)));
            var parameters = changed.Select((id, i) => ("i" + i.ToString(CultureInfo.InvariantCulture), (object?)id)).ToArray();
            var touched = $"SELECT hash FROM copies WHERE host IN ({names})";
            if (RowLockClause.Length > 0)
            {
                // One statement, in hash order, like every other multi-file lock: no deadlock between them.
                await ExecuteAsync(connection, transaction, $"SELECT hash FROM files WHERE hash IN ({touched}) ORDER BY hash" + RowLockClause,
                    cancellationToken, parameters).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, transaction, $"UPDATE files SET stored_copies = {StoredCopiesOf("files.hash")} WHERE hash IN ({touched})",
                cancellationToken, parameters).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    private static async Task<HashSet<string>> ReadActiveHostsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var command = Command(connection, transaction, "SELECT DISTINCT host_id FROM node_hosts");
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>The SQL that counts a file's good copies on identities some node has configured.</summary>
    private static string StoredCopiesOf(string hashColumn) =>
        $"(SELECT COUNT(*) FROM copies k WHERE k.hash = {hashColumn} AND k.state = 0 AND k.host IN (SELECT host_id FROM node_hosts))";
}
