using CloudManager.Hosts;
using Microsoft.Extensions.Logging;

namespace CloudManager.Journal;

/// <summary>
/// Writes to each host the records of the copies it holds that are not yet in its journal, after a
/// sync: one segment per host and run (more only past <see cref="JournalSegment.MaxEntries"/>
/// records). A journal that cannot be written never fails a copy: its copies stay marked "record
/// not yet on the host" and the next sync writes them.
/// </summary>
internal sealed class JournalWriter(PoolContext pool)
{
    /// <summary>Writes the missing records on every host whose identity was read this run and that keeps metadata.</summary>
    /// <returns>How many records were written, and the hosts whose journal could not be written.</returns>
    internal async Task<(int Written, IReadOnlyList<string> Failed)> WriteAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        var failed = new List<string>();
        foreach (var (name, host) in pool.Hosts)
        {
            if (!host.Capabilities.StoresMetadata || !pool.Identities.IsConfirmed(name) || pool.Identities.IdOf(name) is not { } hostId)
            {
                continue;
            }

            try
            {
                written += await WriteHostAsync(host, hostId, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is StorageHostException or IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException or OperationCanceledException)
            {
                failed.Add(name);
                pool.Logger.LogWarning(
                    "Host {Host}: its journal could not be written ({Error}); the records of its new copies are written at the next sync.", name, e.Message);
            }
        }

        return (written, failed);
    }

    private async Task<int> WriteHostAsync(IStorageHost host, string hostId, CancellationToken cancellationToken)
    {
        var written = 0;
        while (true)
        {
            var files = await pool.Recovery.ListUnjournaledCopiesAsync(hostId, null, JournalSegment.MaxEntries, cancellationToken).ConfigureAwait(false);
            if (files.Count == 0)
            {
                return written;
            }

            var now = pool.SharedTime.GetUtcNow();
            var entries = files.Select(f => JournalEntry.Added(f.Hash, f.Size, f.Name, f.CreatedAt, now)).ToList();
            await HostJournal.AppendAsync(host, hostId, pool.NodeId, entries, now, cancellationToken).ConfigureAwait(false);
            await pool.Recovery.MarkJournaledAsync(hostId, files.Select(f => f.Hash).ToList(), CancellationToken.None).ConfigureAwait(false);
            written += files.Count;
            if (files.Count < JournalSegment.MaxEntries)
            {
                return written;
            }
        }
    }
}
