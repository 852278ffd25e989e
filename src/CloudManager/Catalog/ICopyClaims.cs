namespace CloudManager.Catalog;

/// <summary>
/// Shared claims on making copies: a node that copies a file to a host holds a lease in the catalog, so
/// that nodes on one catalog never copy one file to one host twice at once, nor beyond the redundancy.
/// A lease expires by itself: a node that dies holds nothing for long.
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface ICopyClaims
{
    /// <summary>
    /// Takes the lease on copying a file to a host, unless another node holds an unexpired one on that
    /// pair, the host already holds a good copy, or the good copies and the other unexpired leases of the
    /// file already reach <paramref name="redundancy"/>. Taking a lease this node holds renews it.
    /// </summary>
    /// <returns>Whether this node holds the lease now.</returns>
    Task<bool> TryLeaseCopyAsync(ContentHash hash, string hostId, string nodeId, int redundancy, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Extends this node's leases on a file's copies that are still its own.</summary>
    Task RenewLeasesAsync(ContentHash hash, string nodeId, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Gives back this node's lease on copying a file to a host (recording the attempt gives it back too).</summary>
    Task ReleaseLeaseAsync(ContentHash hash, string hostId, string nodeId, CancellationToken cancellationToken);
}
