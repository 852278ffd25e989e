using CloudManager.Hosts;

namespace CloudManager.Catalog;

/// <summary>A file the catalog knows.</summary>
/// <param name="Hash">Its SHA-256.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Name">Its original base name (metadata only).</param>
/// <param name="CreatedAt">When it entered the pool.</param>
/// <param name="StoredCopies">How many hosts hold a good copy.</param>
/// <param name="ExportedAt">When a dump last offered it, if ever.</param>
/// <param name="SyncId">The sync id under which a shared log confirmed it, if any.</param>
public sealed record FileRecord(
    ContentHash Hash, long Size, string Name, DateTimeOffset CreatedAt, int StoredCopies, DateTimeOffset? ExportedAt, string? SyncId)
{
    /// <summary>The file's hash and size.</summary>
    public ContentRef Content => new(Hash, Size);
}

/// <summary>The state of one copy of a file on one host.</summary>
public enum CopyState
{
    /// <summary>The host holds a good copy.</summary>
    Stored = 0,

    /// <summary>Every attempt to store it there failed so far.</summary>
    Failed = 1,

    /// <summary>The host served bytes that did not match the hash, or holds an object of the wrong size.</summary>
    Damaged = 2,

    /// <summary>The host, answering under its identity, did not hold it; a verify that finds it again revives it.</summary>
    Missing = 3,
}

/// <summary>A copy of a file on a host, or the record of failed attempts to make one.</summary>
/// <param name="Hash">The file.</param>
/// <param name="HostId">The identity of the host (the id of the marker written on it).</param>
/// <param name="HostName">The name that host was last configured under.</param>
/// <param name="Locator">Where the host keeps it, when stored.</param>
/// <param name="State">Stored, failed or damaged.</param>
/// <param name="Attempts">Upload attempts made by this pool.</param>
/// <param name="LastError">The last error, if any.</param>
/// <param name="UpdatedAt">When the row last changed.</param>
public sealed record CopyRecord(
    ContentHash Hash, string HostId, string HostName, HostLocator? Locator, CopyState State, int Attempts, string? LastError, DateTimeOffset UpdatedAt);

/// <summary>How well a host has been doing, kept across restarts.</summary>
/// <param name="HostName">The host.</param>
/// <param name="Successes">Transfers that succeeded.</param>
/// <param name="Failures">Transfers that failed.</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="LastError">The last error message.</param>
/// <param name="LastFailureAt">When it last failed.</param>
/// <param name="LastSuccessAt">When it last succeeded.</param>
public sealed record HostHealth(
    string HostName, long Successes, long Failures, int ConsecutiveFailures, string? LastError, DateTimeOffset? LastFailureAt, DateTimeOffset? LastSuccessAt)
{
    /// <summary>A host with no history.</summary>
    public static HostHealth New(string hostName) => new(hostName, 0, 0, 0, null, null, null);
}

/// <summary>A file held in a node's cache.</summary>
/// <param name="Hash">The file.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Pinned">Whether it is kept regardless of the eviction policy.</param>
/// <param name="AccessCount">Accesses since it entered the cache.</param>
/// <param name="LastTick">The node's logical clock at the last access.</param>
/// <param name="LastAccessAt">When it was last accessed.</param>
/// <param name="Priority">Its eviction priority (lowest leaves first).</param>
public sealed record CacheEntry(
    ContentHash Hash, long Size, bool Pinned, long AccessCount, long LastTick, DateTimeOffset LastAccessAt, double Priority);

/// <summary>A file as one node sees it: its record and whether the node's cache holds it.</summary>
/// <param name="File">The catalog record.</param>
/// <param name="CachedSize">The size the node's cache entry records, or null when the node does not cache it.</param>
public sealed record NodeFile(FileRecord File, long? CachedSize);

/// <summary>A file found by <see cref="CloudPool.FindAndOpenIfCachedAsync"/>: its record, and its bytes when this node caches it.</summary>
/// <param name="File">The catalog record.</param>
/// <param name="CachedContent">A seekable read-only stream of the cached file (dispose it), or null when it is not cached here.</param>
public sealed record FileLookup(FileRecord File, Stream? CachedContent);

/// <summary>Bytes moved in and out.</summary>
/// <param name="Incoming">Bytes received: uploads into the pool and downloads from hosts.</param>
/// <param name="Outgoing">Bytes sent: copies to hosts and downloads served.</param>
public readonly record struct TransferTotals(long Incoming, long Outgoing);

/// <summary>The size of a queue: the seed's <c>{"size": bytes, "count": files}</c>.</summary>
/// <param name="Count">Files in the queue.</param>
/// <param name="Size">Their total size in bytes.</param>
public readonly record struct QueueInfo(long Count, long Size);

/// <summary>A file as listed for people: what it is, how safe, whether this node caches it.</summary>
/// <param name="File">The catalog record.</param>
/// <param name="Cached">Whether this node holds it in its cache.</param>
/// <param name="Pinned">Whether this node pins it.</param>
/// <param name="Lost">Whether it is lost: no good copy on a configured host, in no node's cache, and no unconfirmed link left to try.</param>
public sealed record FileListing(FileRecord File, bool Cached, bool Pinned, bool Lost);

/// <summary>The outcome of one attempt to put a copy of a file on a host.</summary>
/// <param name="Hash">The file.</param>
/// <param name="HostId">The identity of the host.</param>
/// <param name="HostName">The host's configured name (its health is kept under it).</param>
/// <param name="Locator">Where the host keeps it, on success.</param>
/// <param name="Error">The error, on failure.</param>
/// <param name="BytesSent">Bytes sent to the host.</param>
public sealed record CopyAttempt(ContentHash Hash, string HostId, string HostName, HostLocator? Locator, string? Error, long BytesSent)
{
    /// <summary>
    /// The attempt failed because the source (the cached copy) was damaged, not because of the host:
    /// the copy row records the failure, but the host's health is left alone.
    /// </summary>
    public bool SourceDamaged { get; init; }

    /// <summary>Whether the copy was stored.</summary>
    public bool Succeeded => Locator is not null;
}

/// <summary>A host identity the catalog has seen.</summary>
/// <param name="HostId">The random id written on the host.</param>
/// <param name="Name">The name it was last configured under.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Location">Where it was last seen (<c>scheme:path</c>).</param>
/// <param name="FirstSeenAt">When the catalog first saw it.</param>
/// <param name="LastSeenAt">When a node last read its marker.</param>
public sealed record HostIdentityRecord(string HostId, string Name, string Kind, string Location, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt);

/// <summary>A link to a copy learned from another node's record: a hint until a configured host shows it.</summary>
/// <param name="Hash">The file.</param>
/// <param name="HostName">The host name the other node used.</param>
/// <param name="Locator">Where it said the copy is.</param>
/// <param name="LearnedAt">When it was learned.</param>
public sealed record CopyHint(ContentHash Hash, string HostName, HostLocator Locator, DateTimeOffset LearnedAt);
