using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager.Verifier;

/// <summary>
/// Checks what the catalog believes against the hosts: every copy (stored, or marked missing or damaged
/// before) and every link learned from another node, on hosts whose identity was read this run. A copy
/// found is stored (a missing one revives, a link becomes a copy); one the host does not hold is
/// missing; one of the wrong size or bytes is damaged. Hosts that do not answer change nothing. A file
/// with no good copy and no cached copy anywhere is reported lost, every time until it is resolved.
/// </summary>
internal sealed class CopyVerifier(PoolContext pool)
{
    /// <summary>See <see cref="CloudPool.VerifyAsync"/>.</summary>
    internal async Task<VerifyReport> VerifyAsync(bool deep, IProgress<FileVerification>? progress, CancellationToken cancellationToken)
    {
        await pool.Identities.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<FileVerification>();
        ContentHash? after = null;
        while (true)
        {
            var files = await pool.Copies.ListFilesToVerifyAsync(after, 256, cancellationToken).ConfigureAwait(false);
            if (files.Count == 0)
            {
                break;
            }

            var copies = await pool.Copies.GetCopiesAsync(files.Select(f => f.Hash).ToList(), cancellationToken).ConfigureAwait(false);
            var checkedFiles = new List<(FileRecord File, List<CopyVerification> Checks)>();
            foreach (var file in files)
            {
                var checks = await CheckFileAsync(file, copies.GetValueOrDefault(file.Hash, []), deep, cancellationToken).ConfigureAwait(false);
                checkedFiles.Add((file, checks));
            }

            // Lost is the catalog's state after this page's evidence was recorded.
            var lost = await pool.Listings.FindLostAsync(files.Select(f => f.Hash).ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var (file, checks) in checkedFiles)
            {
                var good = checks.Count(c => c.Result == CopyCheck.Good);
                var notLost = checks.Count(c => c.Result is CopyCheck.Good or CopyCheck.Unreachable or CopyCheck.NotConfigured);
                var result = new FileVerification(file.Hash, file.Name, file.Size, checks, good, notLost >= pool.MinCopies, lost.Contains(file.Hash));
                if (result.IsLost)
                {
                    pool.Logger.LogError("{Hash} ({Name}) is LOST: no host holds a good copy and no node caches it.", file.Hash, file.Name);
                }

                results.Add(result);
                progress?.Report(result);
            }

            after = files[^1].Hash;
        }

        return new VerifyReport(results, deep);
    }

    private async Task<List<CopyVerification>> CheckFileAsync(FileRecord file, IReadOnlyList<CopyRecord> copies, bool deep, CancellationToken cancellationToken)
    {
        var checks = new List<CopyVerification>();
        foreach (var copy in copies.Where(c => c.State != CopyState.Failed && c.Locator is not null))
        {
            checks.Add(await CheckCopyRowAsync(file, copy, deep, cancellationToken).ConfigureAwait(false));
        }

        var seen = checks.Select(c => c.HostName).ToHashSet(StringComparer.Ordinal);
        foreach (var hint in await pool.Copies.GetCopyHintsAsync(file.Hash, cancellationToken).ConfigureAwait(false))
        {
            if (!seen.Contains(hint.HostName))
            {
                checks.Add(await CheckHintAsync(file, hint, deep, cancellationToken).ConfigureAwait(false));
            }
        }

        return checks;
    }

    private async Task<CopyVerification> CheckCopyRowAsync(FileRecord file, CopyRecord copy, bool deep, CancellationToken cancellationToken)
    {
        if (pool.Identities.HostOf(copy.HostId) is not { } host)
        {
            return new CopyVerification(copy.HostName, CopyCheck.NotConfigured, null);
        }

        if (!pool.Identities.IsConfirmed(host.Name))
        {
            return new CopyVerification(host.Name, CopyCheck.Unreachable, pool.Identities.Problems.GetValueOrDefault(host.Name));
        }

        if (copy.State == CopyState.Damaged && !deep)
        {
            // Only reading the bytes can show that a damaged copy was repaired.
            return new CopyVerification(host.Name, CopyCheck.Damaged, copy.LastError);
        }

        var check = await CheckAsync(host, file, copy.Locator!.Value, deep, cancellationToken).ConfigureAwait(false);
        switch (check.Result)
        {
            case CopyCheck.Good when copy.State != CopyState.Stored:
                await CopyFindings.CountsAsync(pool, file.Hash, copy.HostId, host.Name, copy.Locator!.Value, "a copy marked " + copy.State.ToString().ToLowerInvariant() + " is back").ConfigureAwait(false);
                break;
            case CopyCheck.Missing or CopyCheck.Damaged when copy.State != StateOf(check.Result):
                var state = StateOf(check.Result);
                var why = state == CopyState.Missing ? "missing when verified" : "damaged when verified: " + check.Detail;
                await CopyFindings.ProblemAsync(pool, file.Hash, copy.HostId, host.Name, state, why).ConfigureAwait(false);
                break;
        }

        return check;
    }

    private static CopyState StateOf(CopyCheck result) => result == CopyCheck.Missing ? CopyState.Missing : CopyState.Damaged;

    /// <summary>
    /// Looks for a copy another node's record names on the host configured here under that name: found (on
    /// the identity read this run), it counts from now on; not there, the link is forgotten; a host that
    /// cannot answer leaves it for later. Sync and verify both call it.
    /// </summary>
    internal async Task<CopyVerification> CheckHintAsync(FileRecord file, CopyHint hint, bool deep, CancellationToken cancellationToken)
    {
        if (!pool.Hosts.TryGetValue(hint.HostName, out var host) || pool.Identities.IdOf(host.Name) is not { } hostId)
        {
            return new CopyVerification(hint.HostName, CopyCheck.Unconfirmed, "a link from another node's record, to a host this node does not have");
        }

        if (!pool.Identities.IsConfirmed(host.Name))
        {
            return new CopyVerification(host.Name, CopyCheck.Unreachable, pool.Identities.Problems.GetValueOrDefault(host.Name));
        }

        var check = await CheckAsync(host, file, hint.Locator, deep, cancellationToken).ConfigureAwait(false);
        switch (check.Result)
        {
            case CopyCheck.Good:
                await CopyFindings.CountsAsync(pool, file.Hash, hostId, host.Name, hint.Locator, "as another node's record said").ConfigureAwait(false);
                break;
            case CopyCheck.Missing or CopyCheck.Damaged:
                await CopyFindings.LinkRefutedAsync(pool, file.Hash, hint.HostName, check.Result.ToString().ToLowerInvariant()).ConfigureAwait(false);
                break;
        }

        return check;
    }

    /// <summary>
    /// Asks a host about one copy: there with the right size (shallow), or its bytes hash right (deep).
    /// A shallow check that finds no complete copy opens it to tell a missing copy from one of the wrong size.
    /// </summary>
    internal static async Task<CopyVerification> CheckAsync(IStorageHost host, FileRecord file, HostLocator locator, bool deep, CancellationToken cancellationToken)
    {
        try
        {
            if (!deep)
            {
                if (await host.ExistsAsync(file.Content, locator, cancellationToken).ConfigureAwait(false))
                {
                    return new CopyVerification(host.Name, CopyCheck.Good, null);
                }

                var probe = await host.OpenReadAsync(file.Content, locator, cancellationToken).ConfigureAwait(false);
                await probe.DisposeAsync().ConfigureAwait(false);
                return new CopyVerification(host.Name, CopyCheck.Damaged, $"the host holds an object of another size than {file.Size} bytes");
            }

            var stream = await host.OpenReadAsync(file.Content, locator, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var (hash, length) = await DurableFile.CopyAndHashAsync(stream, Stream.Null, file.Size, cancellationToken).ConfigureAwait(false);
                return hash == file.Hash && length == file.Size
                    ? new CopyVerification(host.Name, CopyCheck.Good, null)
                    : new CopyVerification(host.Name, CopyCheck.Damaged, $"{length} bytes hashing to {hash?.ToString() ?? "(more than expected)"}");
            }
        }
        catch (ContentNotFoundException)
        {
            return new CopyVerification(host.Name, CopyCheck.Missing, null);
        }
        catch (ContentIntegrityException e)
        {
            // An encrypted host's copy that fails authentication: the host answered, and the bytes are wrong.
            return new CopyVerification(host.Name, CopyCheck.Damaged, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is StorageHostException or IOException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            return new CopyVerification(host.Name, CopyCheck.Unreachable, e.Message);
        }
    }
}
