using CloudManager.Exchange;
using CloudManager.Hosts;

namespace CloudManager;

public sealed partial class CloudPool
{
    /// <summary>Longest sync id accepted by <see cref="DataLoadAsync(string, string, CancellationToken)"/>.</summary>
    public const int MaxSyncIdLength = 256;

    /// <summary>
    /// Copies every cached file that has fewer than the redundancy's copies to more hosts (the seed's
    /// <c>cloud_sync</c>): in parallel, healthiest and least loaded hosts first, never two copies on one
    /// host, a failed host replaced by the next candidate. A file becomes safe (evictable, exportable)
    /// once at least the minimum number of hosts hold it; until then it stays pinned in the cache and
    /// is tried again on the next sync. Every attempt is recorded, failures included.
    /// </summary>
    /// <returns>What was copied, retried and failed, file by file.</returns>
    public Task<SyncReport> SyncAsync(CancellationToken cancellationToken = default) => SyncAsync(progress: null, cancellationToken);

    /// <summary>
    /// Replicates as <see cref="SyncAsync(CancellationToken)"/> does, reporting each file as soon as
    /// its attempts are done (from several threads at once when files run in parallel).
    /// </summary>
    /// <param name="progress">Receives one report per file that needed copies; null for none.</param>
    /// <param name="cancellationToken">Cancels the sync; attempts already made stay recorded.</param>
    /// <returns>What was copied, retried and failed, file by file.</returns>
    public async Task<SyncReport> SyncAsync(IProgress<FileSyncReport>? progress, CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _replicator.SyncAsync(progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a new identity marker on a configured host that has none, on the administrator's word that it
    /// is a new, empty place (a replaced disk, a new bucket). A host whose marker is missing where the
    /// catalog knows one was is otherwise unavailable, never initialised again by itself; after this, the
    /// copies recorded on its former identity no longer count, and the next sync copies those files again.
    /// </summary>
    /// <param name="hostName">The configured host.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The host's marker: the new one, or the one already there (which is left as it is).</returns>
    /// <exception cref="ArgumentException">No configured host has that name.</exception>
    public async Task<HostMarker> InitializeHostAsync(string hostName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        if (!_pool.Hosts.TryGetValue(hostName, out var host))
        {
            throw new ArgumentException($"No configured host is named '{hostName}'.", nameof(hostName));
        }

        return await _pool.Identities.InitializeAsync(host, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks what the catalog believes against the hosts whose identity marker answers: every copy
    /// (stored, or marked missing or damaged before) and every link learned from another node. Each host
    /// is asked whether the complete copy is there with its size or, when <paramref name="deep"/>, the
    /// copy is read and hashed. A copy found again counts again; one found missing or of the wrong size
    /// or bytes is marked so, and the next <see cref="SyncAsync(CancellationToken)"/> copies that file
    /// again (fetching it first when it is not cached). Hosts that do not answer change nothing. A file
    /// with no good copy and in no node's cache is reported lost, every time until it is resolved.
    /// </summary>
    /// <param name="deep">Download and hash every copy instead of asking for it.</param>
    /// <param name="progress">Receives each file's result as it is checked.</param>
    /// <param name="cancellationToken">Cancels the check; what was found so far stays recorded.</param>
    public async Task<VerifyReport> VerifyAsync(bool deep = false, IProgress<FileVerification>? progress = null, CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _verifier.VerifyAsync(deep, progress, cancellationToken).ConfigureAwait(false);
    }

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
        return await _exchange.DataDumpAsync(limitBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Imports sync data from another node (the seed's <c>data_load</c>): a JSON array of payloads,
    /// versions 0.1 and 0.2, <c>filesize</c> as number or string. Every field is validated first;
    /// then, in one transaction, unknown files are added with their copies, copies are merged into
    /// known files, and every record is marked confirmed under <paramref name="syncId"/>. A record
    /// whose only fault is its file name (a path, or a control, format, separator or other invisible
    /// character: see <see cref="FileNames"/>) is refused alone, logged as a warning, and the others
    /// are imported; <see cref="DataLoadWithReportAsync(string, string, CancellationToken)"/> returns
    /// the refused records too.
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
        var document = _exchange.Parse(json, syncId);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return (await _exchange.ImportAsync(document, syncId, warnRejected: true, cancellationToken).ConfigureAwait(false)).Imported;
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
        var document = _exchange.Parse(utf8Json, syncId);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return (await _exchange.ImportAsync(document, syncId, warnRejected: true, cancellationToken).ConfigureAwait(false)).Imported;
    }

    /// <summary>
    /// As <see cref="DataLoadAsync(string, string, CancellationToken)"/>, and says which records were
    /// refused one by one (their file name) while the others were imported.
    /// </summary>
    /// <param name="json">The sync data.</param>
    /// <param name="syncId">Where the data came from (a block id, a peer name); 1 to 256 characters.</param>
    /// <param name="cancellationToken">Cancels the import; nothing is imported.</param>
    /// <returns>The number imported and the records refused, with their reasons.</returns>
    /// <exception cref="InvalidPayloadException">The data as a whole is not valid; nothing was imported.</exception>
    public async Task<DataLoadReport> DataLoadWithReportAsync(string json, string syncId, CancellationToken cancellationToken = default)
    {
        var document = _exchange.Parse(json, syncId);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _exchange.ImportAsync(document, syncId, warnRejected: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="DataLoadAsync(ReadOnlyMemory{byte}, string, CancellationToken)"/>, and says which
    /// records were refused one by one (their file name) while the others were imported.
    /// </summary>
    /// <param name="utf8Json">The sync data.</param>
    /// <param name="syncId">Where the data came from (a block id, a peer name); 1 to 256 characters.</param>
    /// <param name="cancellationToken">Cancels the import; nothing is imported.</param>
    /// <returns>The number imported and the records refused, with their reasons.</returns>
    /// <exception cref="InvalidPayloadException">The data as a whole is not valid; nothing was imported.</exception>
    public async Task<DataLoadReport> DataLoadWithReportAsync(ReadOnlyMemory<byte> utf8Json, string syncId, CancellationToken cancellationToken = default)
    {
        var document = _exchange.Parse(utf8Json, syncId);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _exchange.ImportAsync(document, syncId, warnRejected: false, cancellationToken).ConfigureAwait(false);
    }
}
