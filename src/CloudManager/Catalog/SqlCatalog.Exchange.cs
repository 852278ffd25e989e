namespace CloudManager.Catalog;

// The export side of the exchange between nodes (what a dump offers, and what it marks) and the
// read positions in shared logs. The import is in SqlCatalog.Import.cs.
public abstract partial class SqlCatalog : IExchangeCatalog
{
    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListExportQueueAsync(int minCopies, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFilesAsync(connection, null,
            $"SELECT {FileColumns} FROM files f WHERE f.sync_id IS NULL AND f.stored_copies >= @m ORDER BY f.created_at, f.hash",
            cancellationToken, ("m", minCopies)), cancellationToken);

    /// <inheritdoc />
    public Task<QueueInfo> CountExportQueueAsync(int minCopies, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadQueueInfoAsync(connection,
            "SELECT COUNT(*), COALESCE(SUM(f.size), 0) FROM files f WHERE f.sync_id IS NULL AND f.stored_copies >= @m",
            cancellationToken, ("m", minCopies)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListExportCandidatesAsync(
        int minCopies, DateTimeOffset reofferBefore, FileRecord? after, int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFilesAsync(connection, null,
            $"SELECT {FileColumns} FROM files f WHERE f.sync_id IS NULL AND f.stored_copies >= @m AND (f.exported_at IS NULL OR f.exported_at < @b) " +
            "AND (f.created_at, f.hash) > (@ac, @ah) ORDER BY f.created_at, f.hash LIMIT @l",
            cancellationToken, ("m", minCopies), ("b", reofferBefore.ToUnixTimeMilliseconds()),
            ("ac", after?.CreatedAt.ToUnixTimeSeconds() ?? long.MinValue), ("ah", after?.Hash.ToString() ?? ""), ("l", limit)), cancellationToken);

    /// <inheritdoc />
    public Task MarkExportedAsync(IReadOnlyCollection<ContentHash> hashes, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            var command = Command(connection, transaction, "UPDATE files SET exported_at = @t WHERE hash = @h AND sync_id IS NULL");
            await using var commandScope = command.ConfigureAwait(false);
            AddParameter(command, "t", now.ToUnixTimeMilliseconds());
            var h = AddParameter(command, "h", "");
            foreach (var hash in hashes)
            {
                h.Value = hash.ToString();
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<long> GetCursorAsync(string source, CancellationToken cancellationToken) => RunAsync(async connection =>
        await ScalarAsync<long?>(connection, null, "SELECT position FROM sync_cursors WHERE source = @s", cancellationToken, ("s", source)).ConfigureAwait(false) ?? 0,
        cancellationToken);

    /// <inheritdoc />
    public Task SetCursorAsync(string source, long position, CancellationToken cancellationToken) => WriteAsync(async (connection, transaction) =>
        await ExecuteAsync(connection, transaction,
            "INSERT INTO sync_cursors (source, position) VALUES (@s, @p) ON CONFLICT (source) DO UPDATE SET position = excluded.position",
            cancellationToken, ("s", source), ("p", position)).ConfigureAwait(false), cancellationToken);
}
