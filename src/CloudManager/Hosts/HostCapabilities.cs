namespace CloudManager.Hosts;

/// <summary>What a host kind can do, declared so that callers never have to probe.</summary>
/// <param name="CanDelete">Whether <see cref="IStorageHost.DeleteAsync"/> is supported; otherwise it throws <see cref="NotSupportedException"/>.</param>
/// <param name="CanList">Whether <see cref="IStorageHost.ListAsync"/> is supported; otherwise it throws <see cref="NotSupportedException"/>.</param>
/// <param name="AssignsLocator">Whether the host chooses where content goes (a file locker's URL) rather than deriving it from the hash.</param>
/// <param name="MaxConcurrentTransfers">How many uploads a pool runs against this host at once (its <c>TransferLimitedStorageHost</c>); reads are not limited, since a client may hold one open for long.</param>
/// <param name="StoresMetadata">Whether the host keeps named metadata objects (<see cref="IStorageHost.PutMetadataAsync"/> and the other metadata members), such as the journal of the files it holds. False for file lockers, which cannot list nor fetch by name: their metadata members throw <see cref="NotSupportedException"/>.</param>
/// <param name="StoresMarker">Whether the host stores its identity marker (<see cref="HostMarker"/>) on itself. False for file lockers, which cannot fetch by name: their marker is derived from the site and account, and <see cref="IStorageHost.CreateMarkerAsync"/> writes nothing.</param>
/// <param name="Encrypted">Whether the host encrypts what it stores (<see cref="Encryption.EncryptedStorageHost"/>): its identity marker then carries a key check, and a host without the key refuses a marker that has one.</param>
public sealed record HostCapabilities(bool CanDelete, bool CanList, bool AssignsLocator, int MaxConcurrentTransfers, bool StoresMarker = true, bool StoresMetadata = true, bool Encrypted = false);
