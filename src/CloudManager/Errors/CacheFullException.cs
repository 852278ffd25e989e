namespace CloudManager;

/// <summary>
/// A file cannot be placed in the cache: it is larger than the cache allows, or every cached file
/// that could make room is pinned or not yet safe on the hosts.
/// </summary>
public sealed class CacheFullException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public CacheFullException(long requiredBytes, long availableBytes, long limitBytes, string message)
        : base(message)
    {
        RequiredBytes = requiredBytes;
        AvailableBytes = availableBytes;
        LimitBytes = limitBytes;
    }

    /// <summary>Bytes the file needs.</summary>
    public long RequiredBytes { get; }

    /// <summary>Bytes that could be made free at the time.</summary>
    public long AvailableBytes { get; }

    /// <summary>The most the cache may hold (capacity × max fill).</summary>
    public long LimitBytes { get; }

    /// <summary>Transient when room may appear once pending files are replicated and become evictable.</summary>
    public override bool IsTransient => RequiredBytes <= LimitBytes;
}
