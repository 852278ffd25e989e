using CloudManager.Catalog;
using CloudManager.Hosts;

namespace CloudManager.Recovery;

/// <summary>
/// Compares one host with the catalog, changing nothing: objects the catalog does not know (orphans)
/// or knows the file of without a copy there (unrecorded), copies it believes stored that are gone or
/// of the wrong size, and with <c>deep</c> copies whose bytes do not hash to their name (damaged).
/// </summary>
internal sealed class HostScan(PoolContext pool)
{
    internal async Task<HostScanReport> ScanAsync(string hostName, bool deep, CancellationToken cancellationToken)
    {
        if (!pool.Hosts.TryGetValue(hostName, out var host))
        {
            throw new ArgumentException($"No configured host is named '{hostName}'; `cm hosts` lists them.", nameof(hostName));
        }

        if (!host.Capabilities.CanList)
        {
            throw new NotSupportedException($"Host '{hostName}' ({host.Kind}) cannot list what it holds, so it cannot be scanned.");
        }

        await pool.Identities.ResolveAsync(cancellationToken).ConfigureAwait(false);
        if (!pool.Identities.IsConfirmed(hostName) || pool.Identities.IdOf(hostName) is not { } hostId)
        {
            throw new HostUnavailableException(hostName, pool.Identities.Problems.GetValueOrDefault(hostName) ?? $"Host '{hostName}' could not say who it is.");
        }

        var objects = new Dictionary<ContentHash, HostEntry>();
        await foreach (var entry in host.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            objects[entry.Hash] = entry;
        }

        var copies = new Dictionary<ContentHash, HostCopy>();
        ContentHash? after = null;
        while (true)
        {
            var page = await pool.Recovery.ListCopiesOnHostAsync(hostId, after, 1000, cancellationToken).ConfigureAwait(false);
            foreach (var copy in page)
            {
                copies[copy.File.Hash] = copy;
            }

            if (page.Count < 1000)
            {
                break;
            }

            after = page[^1].File.Hash;
        }

        var findings = new List<RecoveryFinding>();
        var unknown = objects.Keys.Where(h => !copies.TryGetValue(h, out var c) || c.State != CopyState.Stored).ToList();
        var files = await pool.Files.FindFilesAsync(unknown, cancellationToken).ConfigureAwait(false);
        foreach (var hash in unknown.Order())
        {
            var entry = objects[hash];
            findings.Add(files.TryGetValue(hash, out var file)
                ? new RecoveryFinding(FindingKinds.Unrecorded, hostName, hash.ToString(), entry.Length, file.Name,
                    $"the catalog knows this file but no good copy of it on this host{(copies.TryGetValue(hash, out var c) ? $" (it has it as {c.State.ToString().ToLowerInvariant()})" : "")}; `cm verify` looks again.")
                : new RecoveryFinding(FindingKinds.Orphan, hostName, hash.ToString(), entry.Length, null,
                    "an object the catalog does not know; `cm recover --from " + hostName + "` registers it."));
        }

        var stored = copies.Values.Where(c => c.State == CopyState.Stored).OrderBy(c => c.File.Hash).ToList();
        foreach (var copy in stored)
        {
            var file = copy.File;
            if (!objects.TryGetValue(file.Hash, out var entry))
            {
                findings.Add(new RecoveryFinding(FindingKinds.Gone, hostName, file.Hash.ToString(), file.Size, file.Name,
                    "the catalog counts this copy, but the host does not hold it; `cm verify` marks it and `cm sync` copies the file again."));
            }
            else if (entry.Length != file.Size)
            {
                findings.Add(new RecoveryFinding(FindingKinds.WrongSize, hostName, file.Hash.ToString(), entry.Length, file.Name,
                    $"the object is {entry.Length} bytes, the file is {file.Size}; `cm verify` marks it."));
            }
            else if (deep && await HashProblemAsync(host, file, entry.Locator, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                findings.Add(new RecoveryFinding(FindingKinds.Damaged, hostName, file.Hash.ToString(), file.Size, file.Name, problem));
            }
        }

        return new HostScanReport(hostName, hostId, deep, objects.Count, stored.Count, findings);
    }

    private static async Task<string?> HashProblemAsync(IStorageHost host, FileRecord file, HostLocator locator, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await host.OpenReadAsync(file.Content, locator, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var hash = await ContentHash.ComputeAsync(stream, cancellationToken).ConfigureAwait(false);
                return hash == file.Hash ? null : $"its bytes hash to {hash}, not to its name; `cm verify --deep` marks it and `cm sync` copies the file again.";
            }
        }
        catch (ContentNotFoundException)
        {
            return "it vanished while it was read.";
        }
    }
}
