namespace CloudManager;

/// <summary>Another process held the cache folder's lock for longer than the pool was willing to wait.</summary>
public sealed class CacheLockedException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public CacheLockedException(string lockPath, TimeSpan waited)
        : base($"The cache folder is locked by another process (lock file {lockPath}); waited {waited.TotalSeconds:0.#} s. Try again when the other process is done.")
    {
        LockPath = lockPath;
    }

    /// <summary>The lock file.</summary>
    public string LockPath { get; }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
