using System.Globalization;

namespace CloudManager.Cache;

/// <summary>
/// What opening the pool found and fixed in the cache folder (<see cref="CloudPool.GetReconciliationAsync"/>).
/// Opening never deletes a cached file on the catalog's word: a file the catalog does not know is
/// verified and adopted, or moved to the quarantine folder.
/// </summary>
/// <param name="Catalog">The catalog, for people (any password removed).</param>
/// <param name="CacheFolder">The cache folder.</param>
/// <param name="QuarantineFolder">The folder that keeps the files taken out of the cache (<c>quarantine/</c> in the cache folder).</param>
/// <param name="TempFilesRemoved">Temp files of interrupted transfers of processes that are gone, deleted (only files named as this code names temp files).</param>
/// <param name="Adopted">
/// Files under <c>objects/</c> without a cache entry here whose bytes hash to their name, recorded as
/// cached again: those the catalog did not know were registered (pending: no copies) so that the next
/// sync copies them; those it knew (an interrupted warm-up, another catalog's files) got their entry back.
/// </param>
/// <param name="AdoptedBytes">The bytes of the adopted files.</param>
/// <param name="RegisteredFiles">Of the adopted files, those the catalog did not know at all, registered again as pending.</param>
/// <param name="RegisteredBytes">The bytes of the registered files.</param>
/// <param name="Quarantined">Files moved from <c>objects/</c> to the quarantine folder: bytes that do not match their name, names that are not hashes, sizes the catalog disagrees with.</param>
/// <param name="CatalogWasEmpty">The catalog knew no file at all while the cache folder held files: the pool may have been pointed at the wrong catalog.</param>
/// <param name="FilesFound">The files under <c>objects/</c> when the pool opened.</param>
/// <param name="MissingFiles">Files the catalog recorded as cached that were gone or damaged; their cache entries were dropped.</param>
/// <param name="LostFiles">Of those, files that were not yet safe on the hosts: their only copy is gone.</param>
public sealed record CacheReconciliation(
    string Catalog,
    string CacheFolder,
    string QuarantineFolder,
    int TempFilesRemoved,
    IReadOnlyList<ContentHash> Adopted,
    long AdoptedBytes,
    int RegisteredFiles,
    long RegisteredBytes,
    IReadOnlyList<QuarantinedFile> Quarantined,
    bool CatalogWasEmpty,
    int FilesFound,
    IReadOnlyList<ContentHash> MissingFiles,
    IReadOnlyList<ContentHash> LostFiles)
{
    /// <summary>The bytes of the quarantined files.</summary>
    public long QuarantinedBytes => Quarantined.Sum(q => q.Size);

    /// <summary>Whether the folder and the catalog already agreed.</summary>
    public bool WasClean => TempFilesRemoved == 0 && Adopted.Count == 0 && Quarantined.Count == 0 && MissingFiles.Count == 0;

    /// <summary>
    /// What a person must be told, one sentence each, loudest first: a new or empty catalog beside a
    /// full cache, files registered again as pending, files moved to quarantine. Empty when there is
    /// nothing to say. The command line prints them on stderr; the gateway logs them when it starts.
    /// </summary>
    public IReadOnlyList<string> Notices()
    {
        var notices = new List<string>();
        if (CatalogWasEmpty)
        {
            notices.Add(
                $"The catalog {Catalog} is new or empty, but the cache folder {CacheFolder} holds {Files(FilesFound)}: was the pool pointed at the wrong catalog "
                + "(--db, CM_DB or the config file)? Nothing was deleted: the cached files were adopted into this catalog as described below.");
        }

        if (RegisteredFiles > 0)
        {
            notices.Add(
                $"The catalog did not know {Files(RegisteredFiles)} ({FormatBytes(RegisteredBytes)}) in the cache folder {CacheFolder}: their bytes were verified and "
                + "they were registered again as pending; run `cm sync` to copy them to the hosts.");
        }

        if (Adopted.Count > RegisteredFiles)
        {
            notices.Add(
                $"{Files(Adopted.Count - RegisteredFiles)} ({FormatBytes(AdoptedBytes - RegisteredBytes)}) known to the catalog but not recorded as cached here "
                + "were verified and recorded as cached again.");
        }

        if (Quarantined.Count > 0)
        {
            var shown = string.Join(", ", Quarantined.Take(3).Select(q => $"{q.OriginalPath} ({q.Reason})"));
            var more = Quarantined.Count > 3 ? $" and {Quarantined.Count - 3} more" : "";
            var (match, were, they, them) = Quarantined.Count == 1 ? ("its name", "was", "It is", "it") : ("their names", "were", "They are", "them");
            notices.Add(
                $"{Files(Quarantined.Count)} ({FormatBytes(QuarantinedBytes)}) in the cache folder did not match {match} and {were} moved to {QuarantineFolder}, "
                + $"not deleted: {shown}{more}. {they} no longer part of the pool; look at {them}, keep what you need elsewhere, then delete {them} yourself.");
        }

        return notices;
    }

    private static string Files(int count) => Counted.Of(count, "file");

    /// <summary>Bytes for people: <c>512 bytes</c>, <c>1.2 GiB</c>.</summary>
    internal static string FormatBytes(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        if (bytes < 1024)
        {
            return bytes == 1 ? "1 byte" : $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes";
        }

        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return $"{value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture)} {units[unit]}";
    }
}

/// <summary>A file moved out of the cache into the quarantine folder: kept, no longer part of the pool.</summary>
/// <param name="OriginalPath">Where it was, under <c>objects/</c>.</param>
/// <param name="QuarantinePath">Where it is now.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Reason">Why it was moved.</param>
public sealed record QuarantinedFile(string OriginalPath, string QuarantinePath, long Size, string Reason);
