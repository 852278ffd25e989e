using System.Globalization;

namespace CloudManager.Catalog;

// The files the pool knows, by hash: lookups and the count.
public abstract partial class SqlCatalog : IFileCatalog
{
    /// <inheritdoc />
    public Task<FileRecord?> FindFileAsync(ContentHash hash, CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        var files = await ReadFilesAsync(connection, null, $"SELECT {FileColumns} FROM files f WHERE f.hash = @h", cancellationToken, ("h", hash.ToString())).ConfigureAwait(false);
        return files.Count == 0 ? null : files[0];
    }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<ContentHash, FileRecord>> FindFilesAsync(IReadOnlyCollection<ContentHash> hashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        return RunAsync<IReadOnlyDictionary<ContentHash, FileRecord>>(async connection =>
        {
            var files = new Dictionary<ContentHash, FileRecord>();
            foreach (var chunk in hashes.Chunk(64))
            {
                var names = string.Join(", ", chunk.Select((_, i) => "@h" + i.ToString(CultureInfo.InvariantCulture)));
                foreach (var file in await ReadFilesAsync(connection, null, $"SELECT {FileColumns} FROM files f WHERE f.hash IN ({names})", cancellationToken,
                    chunk.Select((h, i) => ("h" + i.ToString(CultureInfo.InvariantCulture), (object?)h.ToString())).ToArray()).ConfigureAwait(false))
                {
                    files[file.Hash] = file;
                }
            }

            return files;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> ContainsFileAsync(ContentHash hash, CancellationToken cancellationToken) => RunAsync(async connection =>
        await ScalarAsync<int?>(connection, null, "SELECT 1 FROM files WHERE hash = @h", cancellationToken, ("h", hash.ToString())).ConfigureAwait(false) is not null,
        cancellationToken);

    /// <inheritdoc />
    public Task<QueueInfo> CountFilesAsync(CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        var command = Command(connection, null, "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM files");
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new QueueInfo(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
    }, cancellationToken);
}
