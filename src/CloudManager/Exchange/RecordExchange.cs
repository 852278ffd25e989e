using CloudManager.Catalog;
using Microsoft.Extensions.Logging;

namespace CloudManager.Exchange;

/// <summary>
/// The records nodes exchange: dumps of safe files no shared log has confirmed yet (bounded JSON
/// arrays of v0.2 payloads, offered again when not confirmed in time) and loads of other nodes'
/// records, validated whole before one transaction merges them.
/// </summary>
internal sealed class RecordExchange(PoolContext pool)
{
    /// <summary>See <see cref="CloudPool.DataDumpAsync"/>.</summary>
    internal async Task<string?> DataDumpAsync(int limitBytes, CancellationToken cancellationToken)
    {
        await pool.SharedTime.CalibrateAsync(pool.Catalog, cancellationToken).ConfigureAwait(false);
        var now = pool.SharedTime.GetUtcNow();
        using var array = new BoundedPayloadArray(limitBytes);
        var hashes = new List<ContentHash>();
        var skipped = 0;
        var renamed = 0;
        const int PageSize = 512;
        FileRecord? after = null;
        var full = false;
        while (!full)
        {
            var page = await pool.ExchangeLog.ListExportCandidatesAsync(pool.MinCopies, now - pool.Options.ExportConfirmationTimeout, after, PageSize, cancellationToken)
                .ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            after = page[^1];
            var copies = await pool.Copies.GetCopiesAsync(page.Select(f => f.Hash).ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var file in page)
            {
                var payload = ToPayload(file, copies.GetValueOrDefault(file.Hash, []));
                if (PayloadJson.CheckFileName(payload.FileName) is not null)
                {
                    // A name recorded before today's rules: every other node would refuse the record.
                    payload = payload with { FileName = ExportableName(payload) };
                    renamed++;
                }

                var result = array.TryAdd(payload);
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
            pool.Logger.LogWarning("{Count} record(s) are larger than the dump limit of {Limit} bytes and were not exported.", skipped, limitBytes);
        }

        if (renamed > 0)
        {
            pool.Logger.LogWarning(
                "{Count} file name(s) recorded before names were checked hold characters other nodes refuse (control, format, separators, or too long): they were exported under safe names; `cm info HASH` still shows the name as recorded.",
                renamed);
        }

        if (array.Count == 0)
        {
            return null;
        }

        await pool.ExchangeLog.MarkExportedAsync(hashes, now, cancellationToken).ConfigureAwait(false);
        return array.ToJson();
    }

    /// <summary>Checks and parses sync data given as text; nothing is read from or written to the catalog.</summary>
    /// <exception cref="InvalidPayloadException">It is too long or not valid.</exception>
    internal PayloadDocument Parse(string json, string syncId)
    {
        ArgumentNullException.ThrowIfNull(json);
        CheckSyncId(syncId);
        if (json.Length > pool.Options.MaxSyncDataLength)
        {
            throw new InvalidPayloadException(-1, null,
                $"the sync data is {json.Length} characters long; this pool reads at most {pool.Options.MaxSyncDataLength} at once (CloudPoolOptions.MaxSyncDataLength). Split it into smaller dumps.");
        }

        return PayloadJson.ReadDocument(json, rejectBadNames: true);
    }

    /// <summary>Checks and parses sync data given as UTF-8 bytes; nothing is read from or written to the catalog.</summary>
    /// <exception cref="InvalidPayloadException">It is too long, not UTF-8 or not valid.</exception>
    internal PayloadDocument Parse(ReadOnlyMemory<byte> utf8Json, string syncId)
    {
        CheckSyncId(syncId);
        if (utf8Json.Length > pool.Options.MaxSyncDataLength)
        {
            throw new InvalidPayloadException(-1, null,
                $"the sync data is {utf8Json.Length} bytes long; this pool reads at most {pool.Options.MaxSyncDataLength} at once (CloudPoolOptions.MaxSyncDataLength). Split it into smaller dumps.");
        }

        return PayloadJson.ReadDocument(utf8Json, rejectBadNames: true);
    }

    private static void CheckSyncId(string syncId)
    {
        ArgumentException.ThrowIfNullOrEmpty(syncId);
        if (syncId.Length > CloudPool.MaxSyncIdLength || syncId.Any(char.IsControl))
        {
            throw new ArgumentException($"A sync id must be 1 to {CloudPool.MaxSyncIdLength} printable characters.", nameof(syncId));
        }
    }

    /// <summary>
    /// Imports the acceptable records of a document in one transaction under <paramref name="syncId"/>;
    /// the refused ones are returned with the count, and logged (one warning each when the caller does not
    /// report them itself).
    /// </summary>
    internal async Task<DataLoadReport> ImportAsync(PayloadDocument document, string syncId, bool warnRejected, CancellationToken cancellationToken)
    {
        var records = document.Records;
        foreach (var rejected in document.Rejected)
        {
            pool.Logger.Log(warnRejected ? LogLevel.Warning : LogLevel.Information, "Record {Index} (file {Hash}) of sync {SyncId} was refused: {Reason}", rejected.Index, rejected.FileHash, syncId, rejected.Reason);
        }

        if (records.Count > 0)
        {
            await pool.ExchangeLog.ImportAsync(records, syncId, pool.SharedTime.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            pool.Logger.LogInformation("Imported {Count} record(s) under sync id {SyncId}.", records.Count, syncId);
        }

        return new DataLoadReport(records.Count, document.Rejected);
    }

    /// <summary>The name another node accepts for a record whose recorded name it would refuse: the name made harmless, else the hash's first 10 digits.</summary>
    private static string ExportableName(FilePayload payload)
    {
        var safe = payload.SafeFileName;
        return PayloadJson.CheckFileName(safe) is null ? safe : payload.FileHash.ToString()[..10];
    }

    /// <summary>A file's payload: its record and its copies, stored ones first (the seed's <c>info</c>).</summary>
    internal static FilePayload ToPayload(FileRecord file, IReadOnlyList<CopyRecord> copies)
    {
        var uploads = copies
            .OrderBy(c => c.State == CopyState.Stored ? 0 : 1)
            .ThenBy(c => c.HostName, StringComparer.Ordinal)
            .Select(c => new UploadLink(c.HostName, c.State == CopyState.Stored ? c.Locator?.Value : null))
            .ToList();
        return new FilePayload(file.Hash, file.Size, file.Name, file.CreatedAt, uploads);
    }
}
