namespace CloudManager.Ingest;

/// <summary>The checks every upload makes of its source, whichever pipeline reads it.</summary>
internal static class SourceChecks
{
    /// <summary>Refuses a file larger than the cache allows.</summary>
    /// <exception cref="CacheFullException">It is larger.</exception>
    internal static void EnsureFitsCache(PoolContext pool, string path, long length)
    {
        if (length > pool.CacheLimit)
        {
            throw new CacheFullException(length, pool.CacheLimit, pool.CacheLimit,
                $"'{path}' is {length} bytes; the cache holds at most {pool.CacheLimit} (capacity {pool.Options.CapacityBytes} × max fill {pool.Options.MaxFill}). Give the pool a larger capacity.");
        }
    }

    /// <summary>
    /// A file written to while it is read yields bytes of no version it ever had: refuse them. A file
    /// deleted meanwhile is fine: the open handle read it whole.
    /// </summary>
    /// <exception cref="SourceChangedException">It changed.</exception>
    internal static void EnsureUnchanged(FileInfo source, string path, long lengthBefore, DateTime writtenBefore, long lengthRead)
    {
        source.Refresh();
        if (lengthRead != lengthBefore || (source.Exists && (source.Length != lengthBefore || source.LastWriteTimeUtc != writtenBefore)))
        {
            throw new SourceChangedException(path, lengthBefore, lengthRead, source.Exists ? source.Length : null);
        }
    }

    /// <summary>The base name to record: the file's own name when it is a valid one, else the first digits of the hash.</summary>
    internal static string SafeName(string name, ContentHash hash) =>
        Exchange.PayloadJson.CheckFileName(name) is null ? name : hash.ToString()[..10];
}
