using Microsoft.Extensions.Logging;

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

    /// <summary>
    /// Refuses a name given at upload that holds a character <see cref="FileNames.IsForbidden"/> refuses
    /// (control, format, separator, filler): checked before a byte is read, so nothing is added.
    /// </summary>
    /// <exception cref="ArgumentException">It holds one.</exception>
    internal static void EnsureAcceptableName(string name, string description)
    {
        if (FileNames.FindForbidden(name) is { } forbidden)
        {
            throw new ArgumentException(
                $"Cannot upload {description}: its name '{FileNames.ForDisplay(name)}' holds {forbidden}. Names may not hold control, format (bidirectional, zero-width), separator or other invisible characters; rename the file and upload it again. Nothing was added.");
        }
    }

    /// <summary>Refuses a path inside the pool's own cache folder: its lock, node id, temp and cached files are not uploads.</summary>
    /// <exception cref="ArgumentException">It is inside.</exception>
    internal static void EnsureOutsideCache(PoolContext pool, string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.TrimEndingDirectorySeparator(pool.Layout.Root);
        if (full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Cannot upload '{FileNames.ForDisplay(path)}': it is inside this pool's own cache folder {root}, whose files are the pool's, not uploads. Nothing was added.");
        }
    }

    /// <summary>
    /// The base name to record: the file's own name when it is a valid one, else the first digits of
    /// the hash (an empty name, <c>.</c>, a backslash, over 255 bytes), which is logged as a warning.
    /// </summary>
    internal static string SafeName(PoolContext pool, string name, ContentHash hash)
    {
        if (Exchange.PayloadJson.CheckFileName(name) is not { } problem)
        {
            return name;
        }

        var replacement = hash.ToString()[..10];
        pool.Logger.LogWarning("The name of {Hash} is recorded as {Replacement}: {Problem}", hash, replacement, problem);
        return replacement;
    }
}
