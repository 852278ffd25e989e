namespace CloudManager.Hosts;

/// <summary>Two places that must not overlap but do: found by <see cref="HostOverlap.Find"/>.</summary>
/// <param name="First">The host (or, for a pool folder, the host) on one side.</param>
/// <param name="Second">The other side: a host's name, or a pool folder's description (<c>the cache folder</c>).</param>
/// <param name="Kind">How they overlap.</param>
/// <param name="Message">A sentence that names both sides, both places, and what to do.</param>
public sealed record HostConflict(string First, string Second, HostConflictKind Kind, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}

/// <summary>How two places overlap.</summary>
public enum HostConflictKind
{
    /// <summary>Two hosts are one place.</summary>
    SamePlace,

    /// <summary>One host's place is inside the other's.</summary>
    Nested,

    /// <summary>A host's place is a pool folder (the cache or the catalog's folder), inside one, or holds one.</summary>
    PoolFolder,
}
