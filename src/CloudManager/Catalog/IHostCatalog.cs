namespace CloudManager.Catalog;

/// <summary>
/// The identities of hosts (the random ids written on the hosts themselves) and which of them each node
/// has configured: a copy counts toward a file's safety only on a host some node has configured.
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface IHostCatalog
{
    /// <summary>Every host identity the catalog has seen.</summary>
    Task<IReadOnlyList<HostIdentityRecord>> GetHostIdentitiesAsync(CancellationToken cancellationToken);

    /// <summary>The identities a node has configured, as it last said.</summary>
    Task<IReadOnlyList<string>> GetNodeHostsAsync(string nodeId, CancellationToken cancellationToken);

    /// <summary>
    /// Records that a node read an identity's marker under a name at a location: adds it, or moves it to
    /// that name and location (a renamed host keeps its copies), and marks when it was seen.
    /// </summary>
    Task RecordHostIdentityAsync(string hostId, string name, string kind, string location, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the identities a node has configured and recounts the stored copies of every file with a
    /// copy on an identity that became, or stopped being, configured by some node.
    /// </summary>
    Task SetNodeHostsAsync(string nodeId, IReadOnlyCollection<string> hostIds, CancellationToken cancellationToken);
}
