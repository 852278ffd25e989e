using CloudManager.Hosts;

namespace CloudManager.Journal;

/// <summary>
/// The journal one host keeps of the files it holds, as metadata objects on the host itself
/// (<see cref="IStorageHost.PutMetadataAsync"/>): one segment per sync and host, a folder per node,
/// compacted when a node's segments pile up.
/// </summary>
/// <remarks>
/// Compaction writes the merged segment first (the latest line of every hash, deletions included, with
/// their own times) and only then deletes the segments it merged, oldest first; since the fold is the
/// same whatever the order and duplicates (<see cref="JournalFold"/>), a reader that sees the merged
/// segment beside some of the old ones reads the same records.
/// </remarks>
public static class HostJournal
{
    /// <summary>A node's segments on one host beyond which the next append compacts them.</summary>
    public const int CompactAfter = 32;

    /// <summary>
    /// Writes one segment with <paramref name="entries"/> (at most <see cref="JournalSegment.MaxEntries"/>)
    /// to the host, then compacts this node's segments if they piled up. A failed compaction is left for
    /// the next append: the segment is written by then.
    /// </summary>
    /// <returns>The name of the segment written.</returns>
    /// <exception cref="StorageHostException">The segment could not be written.</exception>
    public static async Task<string> AppendAsync(
        IStorageHost host, string hostId, string nodeId, IReadOnlyList<JournalEntry> entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count > JournalSegment.MaxEntries)
        {
            throw new ArgumentException($"A segment holds at most {JournalSegment.MaxEntries} entries.", nameof(entries));
        }

        var existing = await ListNodeAsync(host, nodeId, cancellationToken).ConfigureAwait(false);
        var name = JournalSegment.NameFor(nodeId, existing.Count + 1, now);
        var bytes = JournalSegment.Write(nodeId, hostId, host.Name, existing.Count + 1, now, entries);
        using (var body = new MemoryStream(bytes, writable: false))
        {
            await host.PutMetadataAsync(name, body, cancellationToken).ConfigureAwait(false);
        }

        if (existing.Count + 1 > CompactAfter)
        {
            try
            {
                await CompactAsync(host, hostId, nodeId, now, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageHostException)
            {
                // The segment is written; the next append compacts.
            }
        }

        return name;
    }

    /// <summary>
    /// Merges this node's segments on the host into one: the merged segment is written durably first,
    /// then the merged ones are deleted, oldest first. Lines that cannot be read are left in their
    /// segments, which are then kept.
    /// </summary>
    /// <returns>How many segments were merged and deleted.</returns>
    public static async Task<int> CompactAsync(IStorageHost host, string hostId, string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var segments = await ListNodeAsync(host, nodeId, cancellationToken).ConfigureAwait(false);
        if (segments.Count < 2)
        {
            return 0;
        }

        var fold = new Dictionary<ContentHash, JournalEntry>();
        var merged = new List<string>();
        foreach (var segment in segments)
        {
            var problems = new List<JournalProblem>();
            var entries = await ReadSegmentAsync(host, segment, problems, cancellationToken).ConfigureAwait(false);
            if (entries is null || problems.Count > 0)
            {
                continue; // kept as it is: nothing is dropped that could not be read
            }

            foreach (var entry in entries)
            {
                JournalFold.Add(fold, entry);
            }

            merged.Add(segment.Name);
        }

        if (merged.Count < 2)
        {
            return 0;
        }

        var latest = fold.Values.OrderBy(e => e.Hash).ToList();
        var sequence = segments.Count + 1;
        foreach (var part in latest.Chunk(JournalSegment.MaxEntries))
        {
            var bytes = JournalSegment.Write(nodeId, hostId, host.Name, sequence, now, part);
            using var body = new MemoryStream(bytes, writable: false);
            await host.PutMetadataAsync(JournalSegment.NameFor(nodeId, sequence++, now), body, cancellationToken).ConfigureAwait(false);
        }

        foreach (var name in merged.Order(StringComparer.Ordinal))
        {
            await host.DeleteMetadataAsync(name, cancellationToken).ConfigureAwait(false);
        }

        return merged.Count;
    }

    /// <summary>
    /// Reads every node's segments on the host and folds them: the latest line of each hash. Refused
    /// lines and segments go to <paramref name="problems"/>; none stops the reading.
    /// </summary>
    /// <exception cref="StorageHostException">The host could not list or read its journal.</exception>
    public static async Task<IReadOnlyDictionary<ContentHash, JournalEntry>> ReadAsync(
        IStorageHost host, List<JournalProblem> problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(problems);
        var fold = new Dictionary<ContentHash, JournalEntry>();
        await foreach (var segment in host.ListMetadataAsync(JournalSegment.Folder, cancellationToken).ConfigureAwait(false))
        {
            if (!segment.Name.EndsWith(".jsonl", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var entry in await ReadSegmentAsync(host, segment, problems, cancellationToken).ConfigureAwait(false) ?? [])
            {
                JournalFold.Add(fold, entry);
            }
        }

        return fold;
    }

    private static async Task<IReadOnlyList<JournalEntry>?> ReadSegmentAsync(
        IStorageHost host, MetadataEntry segment, List<JournalProblem> problems, CancellationToken cancellationToken)
    {
        if (segment.Length > JournalSegment.MaxBytes)
        {
            problems.Add(new JournalProblem(host.Name, segment.Name, 0, $"the segment is {segment.Length} bytes, larger than {JournalSegment.MaxBytes}; refused whole."));
            return null;
        }

        try
        {
            var stream = await host.OpenMetadataAsync(segment.Name, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                return null; // compacted away since the listing
            }

            await using (stream.ConfigureAwait(false))
            {
                return await JournalSegment.ReadAsync(stream, host.Name, segment.Name, problems, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (InvalidDataException e)
        {
            // An encrypted host's segment that was changed, cut or moved: none of its lines can be trusted.
            problems.Add(new JournalProblem(host.Name, segment.Name, 0, $"the segment does not authenticate ({e.Message}); refused whole."));
            return null;
        }
    }

    private static async Task<List<MetadataEntry>> ListNodeAsync(IStorageHost host, string nodeId, CancellationToken cancellationToken)
    {
        var list = new List<MetadataEntry>();
        await foreach (var entry in host.ListMetadataAsync(JournalSegment.NodeFolder(nodeId), cancellationToken).ConfigureAwait(false))
        {
            if (entry.Name.EndsWith(".jsonl", StringComparison.Ordinal))
            {
                list.Add(entry);
            }
        }

        return list;
    }
}
