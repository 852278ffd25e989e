namespace CloudManager.Journal;

/// <summary>
/// One line of a host's journal: a file whose copy the host holds (its record: hash, size, name, when it
/// entered the pool) or, when <see cref="Deleted"/>, the end of that copy.
/// </summary>
/// <param name="Hash">The file's SHA-256.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Name">Its name as the catalog records it (empty for a deletion).</param>
/// <param name="CreatedAt">When it entered the pool (whole seconds; the payload's <c>datetime</c>).</param>
/// <param name="At">When this line was decided: the copy's record written, or its deletion. The latest line of a hash wins.</param>
/// <param name="Deleted">Whether the line records the copy's deletion.</param>
public sealed record JournalEntry(ContentHash Hash, long Size, string Name, DateTimeOffset CreatedAt, DateTimeOffset At, bool Deleted = false)
{
    /// <summary>A record: the host holds a copy of the file.</summary>
    public static JournalEntry Added(ContentHash hash, long size, string name, DateTimeOffset createdAt, DateTimeOffset at) =>
        new(hash, size, name, DateTimeOffset.FromUnixTimeSeconds(createdAt.ToUnixTimeSeconds()), Milliseconds(at));

    /// <summary>A deletion: the host no longer holds a copy of the file.</summary>
    public static JournalEntry Removed(ContentHash hash, long size, DateTimeOffset at) =>
        new(hash, size, "", DateTimeOffset.UnixEpoch, Milliseconds(at), Deleted: true);

    private static DateTimeOffset Milliseconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
}

/// <summary>A journal line, or a whole segment, refused while reading a host's journal.</summary>
/// <param name="Host">The host's configured name.</param>
/// <param name="Segment">The segment's name.</param>
/// <param name="Line">The line (1-based), or 0 for the whole segment.</param>
/// <param name="Reason">What was wrong.</param>
public sealed record JournalProblem(string Host, string Segment, int Line, string Reason);

/// <summary>
/// Folds journal lines into the records they leave: for each hash, the line with the latest
/// <see cref="JournalEntry.At"/> wins, a deletion over a record at the same instant, then the smaller
/// name. The fold is the same whatever the order, duplicates or compactions of the lines, so that
/// segments may be read in any order and a compaction may be seen beside the segments it merged.
/// </summary>
public static class JournalFold
{
    /// <summary>Whether <paramref name="candidate"/> wins over <paramref name="current"/>.</summary>
    public static bool Wins(JournalEntry candidate, JournalEntry current)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(current);
        var byTime = candidate.At.CompareTo(current.At);
        if (byTime != 0)
        {
            return byTime > 0;
        }

        if (candidate.Deleted != current.Deleted)
        {
            return candidate.Deleted;
        }

        var byName = string.CompareOrdinal(candidate.Name, current.Name);
        return byName != 0 ? byName < 0 : candidate.Size.CompareTo(current.Size) < 0 || (candidate.Size == current.Size && candidate.CreatedAt < current.CreatedAt);
    }

    /// <summary>Adds one line to a fold in progress.</summary>
    public static void Add(IDictionary<ContentHash, JournalEntry> fold, JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(fold);
        ArgumentNullException.ThrowIfNull(entry);
        if (!fold.TryGetValue(entry.Hash, out var current) || Wins(entry, current))
        {
            fold[entry.Hash] = entry;
        }
    }

    /// <summary>The latest line of each hash (deletions included, which a compaction must keep).</summary>
    public static IReadOnlyDictionary<ContentHash, JournalEntry> Latest(IEnumerable<JournalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var fold = new Dictionary<ContentHash, JournalEntry>();
        foreach (var entry in entries)
        {
            Add(fold, entry);
        }

        return fold;
    }

    /// <summary>The records the lines leave: the latest line of each hash, unless it is a deletion.</summary>
    public static IReadOnlyDictionary<ContentHash, JournalEntry> Live(IEnumerable<JournalEntry> entries) =>
        Latest(entries).Where(e => !e.Value.Deleted).ToDictionary(e => e.Key, e => e.Value);
}
