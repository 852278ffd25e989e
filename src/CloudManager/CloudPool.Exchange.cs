using CloudManager.Catalog;
using CloudManager.Exchange;
using Microsoft.Extensions.Logging;

namespace CloudManager;

public sealed partial class CloudPool
{
    /// <summary>Longest sync id accepted by <see cref="DataLoadAsync(string, string, CancellationToken)"/>.</summary>
    public const int MaxSyncIdLength = 256;

    /// <summary>
    /// Exports safe files that no shared log has confirmed yet (the seed's <c>data_dump</c>): a JSON
    /// array of payloads whose UTF-8 text is at most <paramref name="limitBytes"/> long, oldest
    /// first. The files are marked exported; an export not confirmed (by <see cref="DataLoadAsync(string, string, CancellationToken)"/>)
    /// within <see cref="CloudPoolOptions.ExportConfirmationTimeout"/> is offered again.
    /// </summary>
    /// <param name="limitBytes">The most UTF-8 bytes the returned text may have.</param>
    /// <param name="cancellationToken">Cancels the export; nothing is marked.</param>
    /// <returns>The JSON text, or null when there is nothing to export (or no record fits the limit).</returns>
    public async Task<string?> DataDumpAsync(int limitBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limitBytes, 2);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        using var array = new BoundedPayloadArray(limitBytes);
        var hashes = new List<ContentHash>();
        var skipped = 0;
        const int PageSize = 512;
        FileRecord? after = null;
        var full = false;
        while (!full)
        {
            var page = await _catalog.ListExportCandidatesAsync(_options.MinCopies, now - _options.ExportConfirmationTimeout, after, PageSize, cancellationToken)
                .ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            after = page[^1];
            var copies = await _catalog.GetCopiesAsync(page.Select(f => f.Hash).ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var file in page)
            {
                var result = array.TryAdd(ToPayload(file, copies.GetValueOrDefault(file.Hash, [])));
                if (result == PayloadAddResult.TooLarge)
                {
                    // This record alone is larger than the limit: leave it for a dump with a larger limit.
                    skipped++;
                    continue;
                }

                if (result == PayloadAddResult.Full)
                {
                    full = true;
                    break;
                }

                hashes.Add(file.Hash);
            }
        }

        if (skipped > 0)
        {
            _logger.LogWarning("{Count} record(s) are larger than the dump limit of {Limit} bytes and were not exported.", skipped, limitBytes);
        }

        if (array.Count == 0)
        {
            return null;
        }

        await _catalog.MarkExportedAsync(hashes, now, cancellationToken).ConfigureAwait(false);
        return array.ToJson();
    }

    /// <summary>
    /// Imports sync data from another node (the seed's <c>data_load</c>): a JSON array of payloads,
    /// versions 0.1 and 0.2, <c>filesize</c> as number or string. Every field is validated first;
    /// then, in one transaction, unknown files are added with their copies, copies are merged into
    /// known files, and every record is marked confirmed under <paramref name="syncId"/>.
    /// </summary>
    /// <param name="json">The sync data.</param>
    /// <param name="syncId">Where the data came from (a block id, a peer name); 1 to 256 characters.</param>
    /// <param name="cancellationToken">Cancels the import; nothing is imported.</param>
    /// <returns>The number of records imported.</returns>
    /// <exception cref="InvalidPayloadException">
    /// The data is not valid (the message names the record and field), or longer than
    /// <see cref="CloudPoolOptions.MaxSyncDataLength"/>; nothing was imported.
    /// </exception>
    public async Task<int> DataLoadAsync(string json, string syncId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        CheckSyncId(syncId);
        if (json.Length > _options.MaxSyncDataLength)
        {
            throw new InvalidPayloadException(-1, null,
                $"the sync data is {json.Length} characters long; this pool reads at most {_options.MaxSyncDataLength} at once (CloudPoolOptions.MaxSyncDataLength). Split it into smaller dumps.");
        }

        return await ImportAsync(PayloadJson.ParseArray(json), syncId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Imports sync data given as UTF-8 bytes, as read from a file or a request body (a leading
    /// byte-order mark is ignored): as <see cref="DataLoadAsync(string, string, CancellationToken)"/>
    /// without decoding the whole document to a string first.
    /// </summary>
    /// <param name="utf8Json">The sync data.</param>
    /// <param name="syncId">Where the data came from (a block id, a peer name); 1 to 256 characters.</param>
    /// <param name="cancellationToken">Cancels the import; nothing is imported.</param>
    /// <returns>The number of records imported.</returns>
    /// <exception cref="InvalidPayloadException">
    /// The bytes are not UTF-8, the data is not valid (the message names the record and field), or it
    /// is longer than <see cref="CloudPoolOptions.MaxSyncDataLength"/> bytes; nothing was imported.
    /// </exception>
    public async Task<int> DataLoadAsync(ReadOnlyMemory<byte> utf8Json, string syncId, CancellationToken cancellationToken = default)
    {
        CheckSyncId(syncId);
        if (utf8Json.Length > _options.MaxSyncDataLength)
        {
            throw new InvalidPayloadException(-1, null,
                $"the sync data is {utf8Json.Length} bytes long; this pool reads at most {_options.MaxSyncDataLength} at once (CloudPoolOptions.MaxSyncDataLength). Split it into smaller dumps.");
        }

        return await ImportAsync(PayloadJson.ParseArray(utf8Json), syncId, cancellationToken).ConfigureAwait(false);
    }

    private static void CheckSyncId(string syncId)
    {
        ArgumentException.ThrowIfNullOrEmpty(syncId);
        if (syncId.Length > MaxSyncIdLength || syncId.Any(char.IsControl))
        {
            throw new ArgumentException($"A sync id must be 1 to {MaxSyncIdLength} printable characters.", nameof(syncId));
        }
    }

    private async Task<int> ImportAsync(IReadOnlyList<FilePayload> records, string syncId, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        if (records.Count == 0)
        {
            return 0;
        }

        await _catalog.ImportAsync(records, syncId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Imported {Count} record(s) under sync id {SyncId}.", records.Count, syncId);
        return records.Count;
    }
}
