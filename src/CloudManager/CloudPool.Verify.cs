using System.Security.Cryptography;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager;

public sealed partial class CloudPool
{
    /// <summary>
    /// Checks that the hosts still hold every stored copy the catalog lists: each host is asked
    /// whether the complete copy is there or, when <paramref name="deep"/>, the copy is read and
    /// hashed. Copies found missing or damaged are marked so; the next <see cref="SyncAsync(CancellationToken)"/>
    /// copies those files again (fetching them first when they are not cached). Hosts that do not
    /// answer change nothing.
    /// </summary>
    /// <param name="deep">Download and hash every copy instead of asking for it.</param>
    /// <param name="progress">Receives each file's result as it is checked.</param>
    /// <param name="cancellationToken">Cancels the check; what was found so far stays recorded.</param>
    public async Task<VerifyReport> VerifyAsync(bool deep = false, IProgress<FileVerification>? progress = null, CancellationToken cancellationToken = default)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<FileVerification>();
        ContentHash? after = null;
        while (true)
        {
            var files = await _catalog.ListFilesWithCopiesAsync(after, 256, cancellationToken).ConfigureAwait(false);
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
        var copies = (await _catalog.GetCopiesAsync(file.Hash, cancellationToken).ConfigureAwait(false))
            .Where(c => c.State == CopyState.Stored && c.Locator is not null)
            .ToList();
        var checks = new List<CopyVerification>();
        foreach (var copy in copies)
        {
            if (!_hosts.TryGetValue(copy.HostName, out var host))
            {
                checks.Add(new CopyVerification(copy.HostName, CopyCheck.NotConfigured, null));
                continue;
            }

            var check = await CheckCopyAsync(host, file, copy.Locator!.Value, deep, cancellationToken).ConfigureAwait(false);
            checks.Add(check);
            if (check.Result is CopyCheck.Missing or CopyCheck.Damaged)
            {
                var why = check.Result == CopyCheck.Missing ? "missing when verified" : "damaged when verified: " + check.Detail;
                _logger.LogWarning("Copy of {Hash} on host {Host} is {Problem}.", file.Hash, host.Name, why);
                await _catalog.MarkCopyDamagedAsync(file.Hash, host.Name, why, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            }
        }

        var good = checks.Count(c => c.Result == CopyCheck.Good);
        var notLost = checks.Count(c => c.Result is CopyCheck.Good or CopyCheck.Unreachable or CopyCheck.NotConfigured);
        return new FileVerification(file.Hash, file.Name, file.Size, checks, good, notLost >= _options.MinCopies);
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
