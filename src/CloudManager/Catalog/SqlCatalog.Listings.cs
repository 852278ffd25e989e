using System.Data.Common;
using System.Globalization;

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

    /// <inheritdoc />
    public Task<IReadOnlyList<FileRecord>> ListLostAsync(int limit, CancellationToken cancellationToken) =>
        RunAsync(connection => ReadFilesAsync(connection, null, $"SELECT {FileColumns} FROM files f WHERE {LostCondition} ORDER BY f.hash LIMIT @l",
            cancellationToken, ("l", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlySet<ContentHash>> FindLostAsync(IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        return RunAsync<IReadOnlySet<ContentHash>>(async connection =>
        {
            var lost = new HashSet<ContentHash>();
            foreach (var chunk in hashes.Chunk(64))
            {
                var names = string.Join(", ", chunk.Select((_, i) => "@h" + i.ToString(CultureInfo.InvariantCulture)));
                var command = Command(connection, null, $"SELECT f.hash FROM files f WHERE f.hash IN ({names}) AND {LostCondition}",
                    chunk.Select((h, i) => ("h" + i.ToString(CultureInfo.InvariantCulture), (object?)h.ToString())).ToArray());
                await using var commandScope = command.ConfigureAwait(false);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    lost.Add(ContentHash.Parse(reader.GetString(0)));
                }
            }

            return lost;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<QueueInfo> CountLostAsync(CancellationToken cancellationToken) =>
        RunAsync(connection => ReadQueueInfoAsync(connection, $"SELECT COUNT(*), COALESCE(SUM(f.size), 0) FROM files f WHERE {LostCondition}", cancellationToken),
            cancellationToken);

    /// <inheritdoc />
    public Task<QueueInfo> CountUnconfirmedAsync(CancellationToken cancellationToken) =>
        RunAsync(connection => ReadQueueInfoAsync(connection,
            "SELECT COUNT(*), COALESCE(SUM(f.size), 0) FROM files f WHERE f.stored_copies = 0 AND EXISTS (SELECT 1 FROM copy_hints h WHERE h.hash = f.hash) " +
            "AND NOT EXISTS (SELECT 1 FROM cache_entries c WHERE c.hash = f.hash)", cancellationToken),
            cancellationToken);

    /// <summary>
    /// A lost file: no good copy on a host some node has configured, no node caches it, and no link
    /// from another node is left to try.
    /// </summary>
    private const string LostCondition =
        "f.stored_copies = 0 AND NOT EXISTS (SELECT 1 FROM cache_entries lc WHERE lc.hash = f.hash) AND NOT EXISTS (SELECT 1 FROM copy_hints lh WHERE lh.hash = f.hash)";

    private const string ListingSelect = $"SELECT {FileColumns}, c.hash, c.pinned, CASE WHEN {LostCondition} THEN 1 ELSE 0 END FROM files f LEFT JOIN cache_entries c ON c.hash = f.hash AND c.node_id = @n ";

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
            listings.Add(new FileListing(ReadFile(reader), cached, cached && reader.GetInt32(FileColumnCount + 1) != 0, Convert.ToInt32(reader.GetValue(FileColumnCount + 2), CultureInfo.InvariantCulture) != 0));
        }

        return listings;
    }
}
