using CloudManager.Eviction;

namespace CloudManager.Catalog;

/// <summary>
/// The pool's SQL catalog: files, their copies on hosts, host health, each node's cache entries,
/// the transfer meter, export state and sync cursors.
/// </summary>
/// <remarks>
/// <para>
/// Every method is one transaction (all or nothing) and safe to call from several threads and
/// processes at once. What is per node (cache entries, used bytes, the transfer meter) is keyed by
/// node id; everything else is shared by all nodes on the catalog. Provider errors are wrapped in
/// <see cref="CatalogException"/>.
/// </para>
/// <para>
/// The members come in roles, one interface each: <see cref="IFileCatalog"/>, <see cref="ICacheIndex"/>,
/// <see cref="ICopyCatalog"/>, <see cref="ITransferLog"/>, <see cref="IExchangeCatalog"/>,
/// <see cref="IFileListings"/>, <see cref="IHostCatalog"/>, <see cref="ICopyClaims"/> and <see cref="IRecoveryCatalog"/>. A catalog is all of
/// them, with the members that open and migrate it and read its clock.
/// </para>
/// </remarks>
public interface ICatalog : IFileCatalog, ICacheIndex, ICopyCatalog, ITransferLog, IExchangeCatalog, IFileListings, IHostCatalog, ICopyClaims, IRecoveryCatalog, IAsyncDisposable
{
    /// <summary>A description for messages, with any password removed.</summary>
    string DisplayName { get; }

    /// <summary>Creates the schema, or upgrades it to the newest version this code knows.</summary>
    /// <returns>The schema version now in place.</returns>
    /// <exception cref="CatalogVersionException">The catalog is newer than this code.</exception>
    Task<int> MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The catalog server's clock, which every node on a shared catalog uses for the times they share
    /// (exports, leases, the transfer month), or null when the catalog has no clock of its own (SQLite,
    /// whose nodes share the machine's).
    /// </summary>
    Task<DateTimeOffset?> ReadClockAsync(CancellationToken cancellationToken);

    /// <summary>Registers a node (idempotent) and makes its stored priorities those of <paramref name="policy"/>.</summary>
    Task EnsureNodeAsync(string nodeId, IEvictionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken);
}
