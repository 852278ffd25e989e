using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.Journal;
using Microsoft.Extensions.Logging;

namespace CloudManager.Recovery;

/// <summary>
/// Rebuilds the catalog from the hosts alone: each host's identity read, its journal read (every line
/// checked; a bad one refused alone), its objects listed with their sizes. A record whose object is
/// listed with the record's size is a copy; an object no record names is registered under its hash;
/// the rest is reported. Merges into an existing catalog without overwriting what it knows.
/// </summary>
internal sealed class PoolRecovery(PoolContext pool)
{
    private sealed record HostRead(string Name, string HostId, IStorageHost Host, IReadOnlyDictionary<ContentHash, JournalEntry> Records, IReadOnlyDictionary<ContentHash, long> Objects);

    internal async Task<RecoveryReport> RecoverAsync(IReadOnlyCollection<string>? hostNames, CancellationToken cancellationToken)
    {
        var selected = hostNames is { Count: > 0 } ? hostNames : pool.Hosts.Keys.ToList();
        foreach (var name in selected.Where(n => !pool.Hosts.ContainsKey(n)))
        {
            throw new ArgumentException($"No configured host is named '{name}'; `cm hosts` lists them.", nameof(hostNames));
        }

        await pool.SharedTime.CalibrateAsync(pool.Catalog, cancellationToken).ConfigureAwait(false);
        await pool.Identities.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var findings = new List<RecoveryFinding>();
        var hosts = new List<HostRecovery>();
        var reads = new List<HostRead>();
        foreach (var name in selected.Order(StringComparer.Ordinal))
        {
            var host = pool.Hosts[name];
            if (ReasonNotRead(name, host) is { } reason)
            {
                hosts.Add(new HostRecovery(name, pool.Identities.IdOf(name), 0, 0, 0, reason, KeepsJournal: host.Capabilities.StoresMetadata && host.Capabilities.CanList));
                findings.Add(new RecoveryFinding(FindingKinds.HostNotRead, name, null, null, null, reason));
                continue;
            }

            var problems = new List<JournalProblem>();
            try
            {
                var records = (await HostJournal.ReadAsync(host, problems, cancellationToken).ConfigureAwait(false))
                    .Where(r => !r.Value.Deleted).ToDictionary(r => r.Key, r => r.Value);
                var objects = new Dictionary<ContentHash, long>();
                await foreach (var entry in host.ListAsync(cancellationToken).ConfigureAwait(false))
                {
                    objects[entry.Hash] = entry.Length;
                }

                reads.Add(new HostRead(name, pool.Identities.IdOf(name)!, host, records, objects));
                findings.AddRange(problems.Select(p => new RecoveryFinding(
                    FindingKinds.Refused, p.Host, null, null, null, $"{p.Segment}{(p.Line > 0 ? $" line {p.Line}" : "")}: {p.Reason}")));
            }
            catch (Exception e) when (e is StorageHostException or IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException)
            {
                var why = $"could not read its journal or list its objects: {e.Message}";
                hosts.Add(new HostRecovery(name, pool.Identities.IdOf(name), 0, 0, 0, why));
                findings.Add(new RecoveryFinding(FindingKinds.HostNotRead, name, null, null, null, why));
            }
        }

        // The file each hash is: the catalog's row when it has one, else the earliest record whose size an object on some host has.
        var hashes = reads.SelectMany(r => r.Records.Keys.Concat(r.Objects.Keys)).ToHashSet();
        var known = await pool.Files.FindFilesAsync(hashes, cancellationToken).ConfigureAwait(false);
        var files = new Dictionary<ContentHash, FileRecord>(known);
        var now = pool.SharedTime.GetUtcNow();
        foreach (var hash in hashes.Where(h => !known.ContainsKey(h)))
        {
            var sizes = reads.Where(r => r.Objects.ContainsKey(hash)).Select(r => r.Objects[hash]).ToHashSet();
            var record = reads.Select(r => r.Records.GetValueOrDefault(hash)).OfType<JournalEntry>()
                .Where(e => sizes.Contains(e.Size))
                .OrderBy(e => e.CreatedAt).ThenBy(e => e.At).ThenBy(e => e.Name, StringComparer.Ordinal)
                .FirstOrDefault();
            if (record is not null)
            {
                files[hash] = new FileRecord(hash, record.Size, record.Name, record.CreatedAt, 0, null, null);
            }
            else if (sizes.Count == 1 && !reads.Any(r => r.Records.ContainsKey(hash)))
            {
                // An object no record names: registered under its hash, with the size the hosts agree on.
                files[hash] = new FileRecord(hash, sizes.Single(), hash.ToString(), now, 0, null, null);
            }
        }

        var added = await pool.Recovery.AddRecoveredFilesAsync(files.Values.Where(f => !known.ContainsKey(f.Hash)).OrderBy(f => f.Hash).ToList(), cancellationToken)
            .ConfigureAwait(false);
        var copiesRecorded = 0;
        foreach (var read in reads)
        {
            var copies = new List<(ContentHash Hash, bool Journaled)>();
            foreach (var (hash, length) in read.Objects.OrderBy(o => o.Key))
            {
                var record = read.Records.GetValueOrDefault(hash);
                if (!files.TryGetValue(hash, out var file))
                {
                    findings.Add(new RecoveryFinding(FindingKinds.WrongSize, read.Name, hash.ToString(), length, record?.Name,
                        $"the object is {length} bytes, and no record or other host agrees on a size for it: not registered."));
                    continue;
                }

                if (file.Size != length)
                {
                    findings.Add(new RecoveryFinding(FindingKinds.WrongSize, read.Name, hash.ToString(), length, file.Name,
                        $"the object is {length} bytes, the file is {file.Size}: not a copy."));
                    continue;
                }

                if (record is not null && record.Size != length)
                {
                    findings.Add(new RecoveryFinding(FindingKinds.WrongSize, read.Name, hash.ToString(), record.Size, record.Name,
                        $"the host's record says {record.Size} bytes, its object is {length}: the record is refused, the object counts as the file's copy."));
                }

                if (!reads.Any(r => r.Records.ContainsKey(hash)) && !known.ContainsKey(hash))
                {
                    findings.Add(new RecoveryFinding(FindingKinds.Orphan, read.Name, hash.ToString(), length, null,
                        "an object no journal has a record of: registered under its hash."));
                }

                copies.Add((hash, record is not null && record.Size == length));
            }

            foreach (var (hash, record) in read.Records.Where(r => !read.Objects.ContainsKey(r.Key)).OrderBy(r => r.Key))
            {
                findings.Add(new RecoveryFinding(FindingKinds.Gone, read.Name, hash.ToString(), record.Size, record.Name,
                    "the host's journal records this file, but its object is not there."));
            }

            copiesRecorded += await pool.Recovery.RecordRecoveredCopiesAsync(read.HostId, read.Name, copies, now, cancellationToken).ConfigureAwait(false);
            hosts.Add(new HostRecovery(read.Name, read.HostId, read.Records.Count, read.Objects.Count, copies.Count, null));
        }

        pool.Logger.LogInformation(
            "Recover: {Added} file(s) added, {Known} known already, {Copies} cop(ies) recorded, {Findings} finding(s).",
            added.Count, files.Count - added.Count, copiesRecorded, findings.Count);
        return new RecoveryReport(hosts.OrderBy(h => h.Name, StringComparer.Ordinal).ToList(), added.Count, files.Count - added.Count, copiesRecorded, findings);
    }

    private string? ReasonNotRead(string name, IStorageHost host)
    {
        if (!host.Capabilities.StoresMetadata || !host.Capabilities.CanList)
        {
            return $"a {host.Kind} host keeps no journal and cannot list its objects by name: its copies cannot be recovered from the host.";
        }

        return pool.Identities.IsConfirmed(name)
            ? null
            : pool.Identities.Problems.GetValueOrDefault(name) ?? "its identity marker could not be read.";
    }
}
