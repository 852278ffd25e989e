using CloudManager.Recovery;

namespace CloudManager;

public sealed partial class CloudPool
{
    /// <summary>
    /// Rebuilds the catalog from the hosts alone (after the catalog and the cache were lost): reads each
    /// host's identity marker and journal (the records of the files it holds), lists its objects and
    /// their sizes, and registers every file with its name, size and copies. A record whose object is
    /// listed with the record's size is a copy; an object no record names is registered under its hash;
    /// records whose objects are gone, objects of the wrong size and refused journal lines (bad JSON,
    /// bad names, oversize) are reported, never registered. Merges into an existing catalog: a file or
    /// copy it knows keeps what it knows (a copy it knows as damaged stays damaged).
    /// </summary>
    /// <param name="hostNames">The configured hosts to read, or null (or empty) for every one.</param>
    /// <param name="cancellationToken">Cancels the recovery; what was registered stays.</param>
    /// <exception cref="ArgumentException">A name is not a configured host.</exception>
    public async Task<RecoveryReport> RecoverAsync(IReadOnlyCollection<string>? hostNames = null, CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await new PoolRecovery(_pool).RecoverAsync(hostNames, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Compares one host with the catalog and changes nothing: objects the catalog does not know
    /// (orphans) or has no good copy of there, copies it counts that are gone or of the wrong size, and
    /// with <paramref name="deep"/> copies whose bytes do not hash to their name.
    /// </summary>
    /// <param name="hostName">The configured host.</param>
    /// <param name="deep">Read and hash every copy the catalog counts there.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <exception cref="ArgumentException">No configured host has that name.</exception>
    /// <exception cref="NotSupportedException">The host cannot list what it holds.</exception>
    /// <exception cref="HostUnavailableException">The host's identity could not be read.</exception>
    public async Task<HostScanReport> ScanHostAsync(string hostName, bool deep = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await new HostScan(_pool).ScanAsync(hostName, deep, cancellationToken).ConfigureAwait(false);
    }
}
