namespace CloudManager;

/// <summary>
/// The cache folder's own disk refused a write: it is full (whatever the pool's capacity says),
/// mounted read-only, or the folder's permissions do not let this user in. Nothing was added; the
/// hosts are not to blame.
/// </summary>
public sealed class CacheStorageException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public CacheStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Transient: space can be freed, a file system remounted, permissions given.</summary>
    public override bool IsTransient => true;

    /// <summary>The errors of the cache's file system that mean "cannot write here now": ENOSPC, EROFS, EDQUOT.</summary>
    internal static bool IsDiskRefusal(Exception exception) =>
        exception is IOException { HResult: NoSpace or ReadOnlyFileSystem or QuotaExceeded } && !OperatingSystem.IsWindows();

    /// <summary>Wraps a refusal of the cache's disk (or of its folder's permissions) with what it means and what to do.</summary>
    internal static CacheStorageException For(string cacheFolder, string what, Exception error) => new(
        error switch
        {
            UnauthorizedAccessException =>
                $"Cannot write {what} to the cache folder {cacheFolder}: permission denied ({error.Message}). Give the user running the pool read, write and search permission on that folder and its parents, or choose another cache folder.",
            { HResult: ReadOnlyFileSystem } =>
                $"Cannot write {what} to the cache folder {cacheFolder}: its file system is read-only. Remount it read-write, or choose another cache folder.",
            _ => $"Cannot write {what} to the cache folder {cacheFolder}: its disk is full ({error.Message}). Free space on that disk, or give the pool a capacity the disk can hold.",
        },
        error);

    // Linux errno values; .NET reports them as the HResult of the IOException.
    private const int NoSpace = 28;
    private const int ReadOnlyFileSystem = 30;
    private const int QuotaExceeded = 122;
}
