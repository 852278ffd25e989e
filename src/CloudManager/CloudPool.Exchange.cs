using System.Text;
using CloudManager.Exchange;
using Microsoft.Extensions.Logging;

namespace CloudManager;

public sealed partial class CloudPool
{
    /// <summary>Longest sync id accepted by <see cref="DataLoadAsync"/>.</summary>
    public const int MaxSyncIdLength = 256;

    /// <summary>
    /// Exports safe files that no shared log has confirmed yet (the seed's <c>data_dump</c>): a JSON
    /// array of payloads whose UTF-8 text is at most <paramref name="limitBytes"/> long, oldest
    /// first. The files are marked exported; an export not confirmed (by <see cref="DataLoadAsync"/>)
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
        var payloads = new List<FilePayload>();
        var hashes = new List<ContentHash>();
        var total = 2; // "[" and "]"
        var skipped = 0;
        const int BatchSize = 256;
        var offset = 0;
        var full = false;
        while (!full)
        {
            var candidates = await _catalog.ListExportCandidatesAsync(_options.MinCopies, now - _options.ExportConfirmationTimeout, offset + BatchSize, cancellationToken)
                .ConfigureAwait(false);
            var fresh = candidates.Skip(offset).ToList();
            if (fresh.Count == 0)
            {
                break;
            }

            offset += fresh.Count;
            foreach (var file in fresh)
            {
                var payload = await ToPayloadAsync(file, cancellationToken).ConfigureAwait(false);
                var recordLength = Encoding.UTF8.GetByteCount(payload.ToJson());
                var length = recordLength + (payloads.Count > 0 ? 1 : 0); // the comma before it
                if (total + length > limitBytes)
                {
                    if (2 + recordLength > limitBytes)
                    {
                        // This record alone is larger than the limit: leave it for a dump with a larger limit.
                        skipped++;
                        continue;
                    }

                    full = true;
                    break;
                }

                payloads.Add(payload);
                hashes.Add(file.Hash);
                total += length;
            }
        }

        if (skipped > 0)
        {
            _logger.LogWarning("{Count} record(s) are larger than the dump limit of {Limit} bytes and were not exported.", skipped, limitBytes);
        }

        if (payloads.Count == 0)
        {
            return null;
        }

        await _catalog.MarkExportedAsync(hashes, now, cancellationToken).ConfigureAwait(false);
        return PayloadJson.SerializeArray(payloads);
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
        ArgumentException.ThrowIfNullOrEmpty(syncId);
        if (syncId.Length > MaxSyncIdLength || syncId.Any(char.IsControl))
        {
            throw new ArgumentException($"A sync id must be 1 to {MaxSyncIdLength} printable characters.", nameof(syncId));
        }

        if (json.Length > _options.MaxSyncDataLength)
        {
            throw new InvalidPayloadException(-1, null,
                $"the sync data is {json.Length} characters long; this pool reads at most {_options.MaxSyncDataLength} at once (CloudPoolOptions.MaxSyncDataLength). Split it into smaller dumps.");
        }

        var records = PayloadJson.ParseArray(json);
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
