using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.IO;

namespace CloudManager.Ingest;

/// <summary>
/// The one step by which new files enter the pool, shared by single uploads and batches: under the
/// cache gate, room is made for them, they are moved into place and recorded (see
/// <see cref="LocalCache.InstallAndRecordAsync(string, FileRecord)"/>: a record the catalog refuses
/// takes the files out of the cache again).
/// </summary>
internal sealed class NewFileAdmission(PoolContext pool, LocalCache cache)
{
    /// <summary>
    /// Admits verified, flushed temp files of files the catalog does not know. One file without
    /// <paramref name="flush"/> is moved with its folder flushed; files with a batch's flush are moved
    /// together and recorded in one transaction. When several files do not fit together, as many as
    /// fit are admitted one by one.
    /// </summary>
    /// <returns>For each file, null when it was admitted, or why no room could be made for it.</returns>
    /// <exception cref="CacheFullException">No room can be made for a single file.</exception>
    internal async Task<CacheFullException?[]> AdmitAsync(
        IReadOnlyList<(string TempPath, FileRecord File)> files, IBatchFlush? flush, CancellationToken cancellationToken)
    {
        var refused = new CacheFullException?[files.Count];
        using (await pool.Gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await cache.Evictor.MakeRoomAsync(files.Sum(f => f.File.Size), cancellationToken).ConfigureAwait(false);
            }
            catch (CacheFullException) when (files.Count > 1)
            {
                // The files as a whole do not fit: as many of them as fit go in one by one.
                await AdmitOneByOneAsync(files, refused, cancellationToken).ConfigureAwait(false);
                return refused;
            }

            if (flush is null && files.Count == 1)
            {
                await cache.InstallAndRecordAsync(files[0].TempPath, files[0].File).ConfigureAwait(false);
            }
            else
            {
                await cache.InstallAndRecordAsync(files, flush ?? throw new ArgumentNullException(nameof(flush))).ConfigureAwait(false);
            }
        }

        return refused;
    }

    /// <summary>Each file made room for, installed and recorded on its own. Call under the cache gate.</summary>
    private async Task AdmitOneByOneAsync(
        IReadOnlyList<(string TempPath, FileRecord File)> files, CacheFullException?[] refused, CancellationToken cancellationToken)
    {
        for (var i = 0; i < files.Count; i++)
        {
            try
            {
                await cache.Evictor.MakeRoomAsync(files[i].File.Size, cancellationToken).ConfigureAwait(false);
            }
            catch (CacheFullException e)
            {
                refused[i] = e;
                continue;
            }

            await cache.InstallAndRecordAsync(files[i].TempPath, files[i].File).ConfigureAwait(false);
        }
    }
}
