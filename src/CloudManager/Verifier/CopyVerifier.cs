using System.Security.Cryptography;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager.Verifier;

/// <summary>
/// Checks that the hosts still hold the copies the catalog lists, asking each host or, when deep,
/// reading and hashing each copy; copies found missing or damaged are marked so that the next sync
/// copies those files again. Hosts that do not answer change nothing.
/// </summary>
internal sealed class CopyVerifier(PoolContext pool)
{
    /// <summary>See <see cref="CloudPool.VerifyAsync"/>.</summary>
    internal async Task<VerifyReport> VerifyAsync(bool deep, IProgress<FileVerification>? progress, CancellationToken cancellationToken)
    {
        var results = new List<FileVerification>();
        ContentHash? after = null;
        while (true)
        {
            var files = await pool.Copies.ListFilesWithCopiesAsync(after, 256, cancellationToken).ConfigureAwait(false);
            if (files.Count == 0)
            {
                break;
            }

            foreach (var file in files)
            {
                var result = await VerifyFileAsync(file, deep, cancellationToken).ConfigureAwait(false);
                results.Add(result);
                progress?.Report(result);
            }

            after = files[^1].Hash;
        }

        return new VerifyReport(results, deep);
    }

    private async Task<FileVerification> VerifyFileAsync(FileRecord file, bool deep, CancellationToken cancellationToken)
    {
        var copies = (await pool.Copies.GetCopiesAsync(file.Hash, cancellationToken).ConfigureAwait(false))
            .Where(c => c.State == CopyState.Stored && c.Locator is not null)
            .ToList();
        var checks = new List<CopyVerification>();
        foreach (var copy in copies)
        {
            if (!pool.Hosts.TryGetValue(copy.HostName, out var host))
            {
                checks.Add(new CopyVerification(copy.HostName, CopyCheck.NotConfigured, null));
                continue;
            }

            var check = await CheckCopyAsync(host, file, copy.Locator!.Value, deep, cancellationToken).ConfigureAwait(false);
            checks.Add(check);
            if (check.Result is CopyCheck.Missing or CopyCheck.Damaged)
            {
                var why = check.Result == CopyCheck.Missing ? "missing when verified" : "damaged when verified: " + check.Detail;
                pool.Logger.LogWarning("Copy of {Hash} on host {Host} is {Problem}.", file.Hash, host.Name, why);
                await pool.Copies.MarkCopyDamagedAsync(file.Hash, host.Name, why, pool.Time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            }
        }

        var good = checks.Count(c => c.Result == CopyCheck.Good);
        var notLost = checks.Count(c => c.Result is CopyCheck.Good or CopyCheck.Unreachable or CopyCheck.NotConfigured);
        return new FileVerification(file.Hash, file.Name, file.Size, checks, good, notLost >= pool.MinCopies);
    }

    private static async Task<CopyVerification> CheckCopyAsync(IStorageHost host, FileRecord file, HostLocator locator, bool deep, CancellationToken cancellationToken)
    {
        try
        {
            if (!deep)
            {
                return await host.ExistsAsync(file.Content, locator, cancellationToken).ConfigureAwait(false)
                    ? new CopyVerification(host.Name, CopyCheck.Good, null)
                    : new CopyVerification(host.Name, CopyCheck.Missing, null);
            }

            var stream = await host.OpenReadAsync(file.Content, locator, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var (hash, length) = await HashAsync(stream, file.Size, cancellationToken).ConfigureAwait(false);
                return hash == file.Hash && length == file.Size
                    ? new CopyVerification(host.Name, CopyCheck.Good, null)
                    : new CopyVerification(host.Name, CopyCheck.Damaged, $"{length} bytes hashing to {hash?.ToString() ?? "(more than expected)"}");
            }
        }
        catch (ContentNotFoundException)
        {
            return new CopyVerification(host.Name, CopyCheck.Missing, null);
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

    /// <summary>Hashes a stream without keeping it, stopping past <paramref name="maxLength"/> bytes.</summary>
    private static Task<(ContentHash? Hash, long Length)> HashAsync(Stream stream, long maxLength, CancellationToken cancellationToken) =>
        DurableFile.CopyAndHashAsync(stream, Stream.Null, maxLength, cancellationToken);
}
