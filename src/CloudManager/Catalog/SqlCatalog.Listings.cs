using System.Data.Common;

namespace CloudManager.Catalog;

// Pages of files as a node sees them (whether it caches each, and pins), and the node's upload queue.
public abstract partial class SqlCatalog : IFileListings
{
    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListUploadQueueAsync(string nodeId, int minCopies, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFilesAsync(connection, null,
            $"SELECT {FileColumns} FROM files f JOIN cache_entries c ON c.hash = f.hash AND c.node_id = @n WHERE f.stored_copies < @m ORDER BY f.created_at, f.hash",
            cancellationToken, ("n", nodeId), ("m", minCopies)), cancellationToken);

    /// <inheritdoc />
    public Task<QueueInfo> CountUploadQueueAsync(string nodeId, int minCopies, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadQueueInfoAsync(connection,
            "SELECT COUNT(*), COALESCE(SUM(f.size), 0) FROM files f JOIN cache_entries c ON c.hash = f.hash AND c.node_id = @n WHERE f.stored_copies < @m",
            cancellationToken, ("n", nodeId), ("m", minCopies)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FileListing>> ListFilesAsync(string nodeId, ContentHash? after, int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => after is { } a
            ? ReadListingsAsync(connection, ListingSelect + "WHERE f.hash > @a ORDER BY f.hash LIMIT @l", cancellationToken, ("n", nodeId), ("a", a.ToString()), ("l", limit))
            : ReadListingsAsync(connection, ListingSelect + "ORDER BY f.hash LIMIT @l", cancellationToken, ("n", nodeId), ("l", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FileListing>> ListNewestFilesAsync(string nodeId, FileRecord? after, int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => after is { } a
            ? ReadListingsAsync(connection,
                ListingSelect + "WHERE f.created_at < @c OR (f.created_at = @c AND f.hash < @a) ORDER BY f.created_at DESC, f.hash DESC LIMIT @l",
                cancellationToken, ("n", nodeId), ("c", a.CreatedAt.ToUnixTimeSeconds()), ("a", a.Hash.ToString()), ("l", limit))
            : ReadListingsAsync(connection, ListingSelect + "ORDER BY f.created_at DESC, f.hash DESC LIMIT @l", cancellationToken, ("n", nodeId), ("l", limit)),
            cancellationToken);

    private const string ListingSelect = $"SELECT {FileColumns}, c.hash, c.pinned FROM files f LEFT JOIN cache_entries c ON c.hash = f.hash AND c.node_id = @n ";

    private static async Task<IReadOnlyList<FileListing>> ReadListingsAsync(
        DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, null, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var listings = new List<FileListing>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var cached = !reader.IsDBNull(FileColumnCount);
            listings.Add(new FileListing(ReadFile(reader), cached, cached && reader.GetInt32(FileColumnCount + 1) != 0));
        }

        return listings;
    }
}
