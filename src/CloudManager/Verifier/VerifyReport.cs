namespace CloudManager;

/// <summary>What a verification found about one copy.</summary>
public enum CopyCheck
{
    /// <summary>The host holds a complete copy (and, in a deep check, its bytes hash right).</summary>
    Good,

    /// <summary>The host says it does not hold the copy; it was marked lost.</summary>
    Missing,

    /// <summary>The host served bytes that do not match the hash; the copy was marked damaged.</summary>
    Damaged,

    /// <summary>The host could not be reached: nothing is known and nothing was changed.</summary>
    Unreachable,

    /// <summary>The copy is on a host this node does not have configured.</summary>
    NotConfigured,
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
public sealed record FileVerification(ContentHash Hash, string Name, long Size, IReadOnlyList<CopyVerification> Copies, int GoodCopies, bool IsSafe);

/// <summary>What <see cref="CloudPool.VerifyAsync"/> found.</summary>
/// <param name="Files">Every file with a stored copy.</param>
/// <param name="Deep">Whether copies were downloaded and hashed, or only asked for.</param>
public sealed record VerifyReport(IReadOnlyList<FileVerification> Files, bool Deep)
{
    /// <summary>Copies found missing or damaged (and marked so: the next sync copies those files again).</summary>
    public int LostCopies => Files.Sum(f => f.Copies.Count(c => c.Result is CopyCheck.Missing or CopyCheck.Damaged));

    /// <summary>Copies that could not be checked because their host did not answer.</summary>
    public int UncheckedCopies => Files.Sum(f => f.Copies.Count(c => c.Result == CopyCheck.Unreachable));

    /// <summary>Files whose good copies are fewer than the minimum.</summary>
    public int FilesBelowMinimum => Files.Count(f => !f.IsSafe);
}
