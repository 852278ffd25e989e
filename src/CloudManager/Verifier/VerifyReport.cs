namespace CloudManager;

/// <summary>What a verification found about one copy.</summary>
public enum CopyCheck
{
    /// <summary>The host holds a complete copy (and, in a deep check, its bytes hash right).</summary>
    Good,

    /// <summary>The host, answering under its identity, does not hold the copy; it was marked missing (a later verify that finds it again revives it).</summary>
    Missing,

    /// <summary>The host holds an object of the wrong size, or served bytes that do not match the hash; the copy was marked damaged.</summary>
    Damaged,

    /// <summary>The host could not be reached: nothing is known and nothing was changed.</summary>
    Unreachable,

    /// <summary>The copy is on a host this node does not have configured.</summary>
    NotConfigured,

    /// <summary>A link learned from another node's record, to a host this node does not have: not a copy until a host here shows it.</summary>
    Unconfirmed,
}

/// <summary>One copy checked by <see cref="CloudPool.VerifyAsync"/>.</summary>
/// <param name="HostName">The host.</param>
/// <param name="Result">What was found.</param>
/// <param name="Detail">The host's error, if any.</param>
public sealed record CopyVerification(string HostName, CopyCheck Result, string? Detail);

/// <summary>One file checked by <see cref="CloudPool.VerifyAsync"/>.</summary>
/// <param name="Hash">The file.</param>
/// <param name="Name">Its name.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Copies">Every stored copy the catalog listed, and what was found.</param>
/// <param name="GoodCopies">Copies found good.</param>
/// <param name="IsSafe">Whether the good copies (plus copies that could not be checked) still reach the minimum.</param>
/// <param name="IsLost">Whether the file is lost: no good copy on a configured host, in no node's cache, and no unconfirmed link left.</param>
public sealed record FileVerification(ContentHash Hash, string Name, long Size, IReadOnlyList<CopyVerification> Copies, int GoodCopies, bool IsSafe, bool IsLost);

/// <summary>What <see cref="CloudPool.VerifyAsync"/> found.</summary>
/// <param name="Files">Every file with a copy, a link from another node, or in no node's cache (a lost file is listed every time).</param>
/// <param name="Deep">Whether copies were downloaded and hashed, or only asked for.</param>
public sealed record VerifyReport(IReadOnlyList<FileVerification> Files, bool Deep)
{
    /// <summary>Copies found missing or damaged (and marked so: the next sync copies those files again).</summary>
    public int LostCopies => Files.Sum(f => f.Copies.Count(c => c.Result is CopyCheck.Missing or CopyCheck.Damaged));

    /// <summary>Copies that could not be checked because their host did not answer.</summary>
    public int UncheckedCopies => Files.Sum(f => f.Copies.Count(c => c.Result == CopyCheck.Unreachable));

    /// <summary>Files whose good copies are fewer than the minimum.</summary>
    public int FilesBelowMinimum => Files.Count(f => !f.IsSafe);

    /// <summary>Files that are lost: no good copy and no cached copy anywhere.</summary>
    public int LostFiles => Files.Count(f => f.IsLost);
}
