namespace CloudManager.Catalog;

// Leases on making copies, shared by every node on the catalog. Taking one locks the file's row, so
// that two nodes counting the file's copies and leases do it in turn.
public abstract partial class SqlCatalog : ICopyClaims
{
    /// <inheritdoc />
    public Task<bool> TryLeaseCopyAsync(
        ContentHash hash, string hostId, string nodeId, int redundancy, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            var h = hash.ToString();
            var at = now.ToUnixTimeMilliseconds();
            await LockFileAsync(connection, transaction, h, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "DELETE FROM copy_leases WHERE hash = @h AND expires_at <= @t", cancellationToken, ("h", h), ("t", at)).ConfigureAwait(false);
            var holder = await ScalarAsync<string>(connection, transaction, "SELECT node_id FROM copy_leases WHERE hash = @h AND host_id = @i",
                cancellationToken, ("h", h), ("i", hostId)).ConfigureAwait(false);
            if (holder is not null && holder != nodeId)
            {
                return false;
            }

            if (holder is null)
            {
                var stored = await ScalarAsync<long>(connection, transaction, "SELECT COUNT(*) FROM copies WHERE hash = @h AND host = @i AND state = 0",
                    cancellationToken, ("h", h), ("i", hostId)).ConfigureAwait(false);
                var claimed = await ScalarAsync<long>(connection, transaction,
                    $"SELECT {StoredCopiesOf("@h")} + (SELECT COUNT(*) FROM copy_leases WHERE hash = @h)", cancellationToken, ("h", h)).ConfigureAwait(false);
                if (stored > 0 || claimed >= redundancy)
                {
                    return false;
                }
            }

            await ExecuteAsync(connection, transaction,
                "INSERT INTO copy_leases (hash, host_id, node_id, expires_at) VALUES (@h, @i, @n, @e) ON CONFLICT (hash, host_id) DO UPDATE SET expires_at = excluded.expires_at",
                cancellationToken, ("h", h), ("i", hostId), ("n", nodeId), ("e", expiresAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task RenewLeasesAsync(ContentHash hash, string nodeId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, "UPDATE copy_leases SET expires_at = @e WHERE hash = @h AND node_id = @n",
                cancellationToken, ("e", expiresAt.ToUnixTimeMilliseconds()), ("h", hash.ToString()), ("n", nodeId)).ConfigureAwait(false),
            cancellationToken);

    /// <inheritdoc />
    public Task ReleaseLeaseAsync(ContentHash hash, string hostId, string nodeId, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, "DELETE FROM copy_leases WHERE hash = @h AND host_id = @i AND node_id = @n",
                cancellationToken, ("h", hash.ToString()), ("i", hostId), ("n", nodeId)).ConfigureAwait(false),
            cancellationToken);
}
