namespace CloudManager.Recovery;

/// <summary>What <see cref="CloudPool.RecoverAsync"/> found on the hosts, and did.</summary>
/// <param name="Hosts">Each host asked, with what was read from it.</param>
/// <param name="FilesAdded">Files the catalog did not know and now does.</param>
/// <param name="FilesKnown">Files found that the catalog already knew (left as the catalog has them).</param>
/// <param name="CopiesRecorded">Copies now recorded as stored that were not before.</param>
/// <param name="Findings">Everything that was not a plain record with its object: orphans, gone objects, size mismatches, refused journal lines, hosts not read.</param>
public sealed record RecoveryReport(
    IReadOnlyList<HostRecovery> Hosts, int FilesAdded, int FilesKnown, int CopiesRecorded, IReadOnlyList<RecoveryFinding> Findings)
{
    /// <summary>Whether some host could not be read.</summary>
    public bool HostsUnread => Hosts.Any(h => h.Error is not null && h.KeepsJournal);
}

/// <summary>One host during a recovery.</summary>
/// <param name="Name">Its configured name.</param>
/// <param name="HostId">Its identity, when its marker was read.</param>
/// <param name="Records">Records its journal holds (after folding deletions and duplicates).</param>
/// <param name="Objects">Content objects it lists.</param>
/// <param name="Copies">Copies found on it (an object of the right size for a record).</param>
/// <param name="Error">Why it was not read (unavailable, keeps no journal), or null.</param>
/// <param name="KeepsJournal">Whether the host's kind keeps a journal (plowshare lockers do not).</param>
public sealed record HostRecovery(string Name, string? HostId, int Records, int Objects, int Copies, string? Error, bool KeepsJournal = true);

/// <summary>Kinds of <see cref="RecoveryFinding"/>.</summary>
public static class FindingKinds
{
    /// <summary>An object on a host that no journal (nor the catalog) has a record of: registered under its hash.</summary>
    public const string Orphan = "orphan";

    /// <summary>A record (or a catalog copy) whose object is not on the host.</summary>
    public const string Gone = "gone";

    /// <summary>An object whose size is not the one its record (or the catalog) says: not a copy.</summary>
    public const string WrongSize = "wrong-size";

    /// <summary>An object the catalog knows the file of but has no copy of on that host.</summary>
    public const string Unrecorded = "unrecorded";

    /// <summary>An object whose bytes do not hash to its name (<c>--deep</c>).</summary>
    public const string Damaged = "damaged";

    /// <summary>A journal line or segment refused (bad JSON, bad name, oversize...).</summary>
    public const string Refused = "refused";

    /// <summary>A host that could not be read.</summary>
    public const string HostNotRead = "host-not-read";
}

/// <summary>One thing a recovery or a scan reports.</summary>
/// <param name="Kind">One of <see cref="FindingKinds"/>.</param>
/// <param name="Host">The host's configured name.</param>
/// <param name="Hash">The file's hash, when the finding is about one file.</param>
/// <param name="Size">The size that matters (the record's, the object's), when known.</param>
/// <param name="Name">The file's name, when known.</param>
/// <param name="Detail">What was found, for a person.</param>
public sealed record RecoveryFinding(string Kind, string Host, string? Hash, long? Size, string? Name, string Detail);

/// <summary>What <see cref="CloudPool.ScanHostAsync"/> found comparing one host with the catalog.</summary>
/// <param name="Host">The host's configured name.</param>
/// <param name="HostId">Its identity.</param>
/// <param name="Deep">Whether objects were read and hashed.</param>
/// <param name="Objects">Content objects the host lists.</param>
/// <param name="CatalogCopies">Copies the catalog records as stored on it.</param>
/// <param name="Findings">Orphans, unrecorded objects, gone and wrong-sized copies, damaged ones (deep).</param>
public sealed record HostScanReport(string Host, string HostId, bool Deep, int Objects, int CatalogCopies, IReadOnlyList<RecoveryFinding> Findings);
