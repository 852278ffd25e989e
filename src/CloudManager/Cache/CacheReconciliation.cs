namespace CloudManager.Cache;

/// <summary>What opening the pool found and fixed in the cache folder.</summary>
/// <param name="TempFilesRemoved">Transfers left over from an interrupted run, deleted.</param>
/// <param name="OrphansRemoved">Files under <c>objects/</c> the catalog did not know, deleted.</param>
/// <param name="OrphansAdopted">Files the catalog knew but had not recorded as cached (an interrupted warm-up), verified and recorded.</param>
/// <param name="MissingFiles">Files the catalog recorded as cached that were gone or damaged; their cache entries were dropped.</param>
/// <param name="LostFiles">Of those, files that were not yet safe on the hosts: their only copy is gone.</param>
public sealed record CacheReconciliation(
    int TempFilesRemoved,
    int OrphansRemoved,
    int OrphansAdopted,
    IReadOnlyList<ContentHash> MissingFiles,
    IReadOnlyList<ContentHash> LostFiles)
{
    /// <summary>Whether the folder and the catalog already agreed.</summary>
    public bool WasClean => TempFilesRemoved == 0 && OrphansRemoved == 0 && OrphansAdopted == 0 && MissingFiles.Count == 0;
}
