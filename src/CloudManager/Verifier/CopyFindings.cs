using CloudManager.Catalog;
using CloudManager.Hosts;
using Microsoft.Extensions.Logging;

namespace CloudManager.Verifier;

/// <summary>
/// What a look at one copy found, written to the catalog (and the log) the same way whether a download,
/// a sync or a verify looked: a copy seen where a record put it counts; a link from another node that
/// the host does not bear out is forgotten; a recorded copy gone or damaged is marked so.
/// </summary>
/// <remarks>Callers read the host's identity marker first: nothing here is written on the word of a host
/// that may not be the one the catalog knows. Writes are not cancelled halfway: what was found is kept.</remarks>
internal static class CopyFindings
{
    /// <summary>The host holds the right bytes where a link or a missing or damaged row said: the copy counts from now on.</summary>
    internal static Task CountsAsync(PoolContext pool, ContentHash hash, string hostId, string hostName, HostLocator locator, string why)
    {
        pool.Logger.LogInformation("Host {Host} holds {Hash} ({Why}): the copy counts from now on.", hostName, hash, why);
        return pool.Copies.ConfirmCopyAsync(hash, hostId, hostName, locator, pool.SharedTime.GetUtcNow(), CancellationToken.None);
    }

    /// <summary>Another node's record said the host holds the file; it does not: the link is forgotten.</summary>
    internal static Task LinkRefutedAsync(PoolContext pool, ContentHash hash, string hostName, string found)
    {
        pool.Logger.LogWarning("Another node's record said host {Host} holds {Hash}; it does not ({Found}): the link is forgotten.", hostName, hash, found);
        return pool.Copies.RemoveCopyHintAsync(hash, hostName, CancellationToken.None);
    }

    /// <summary>A recorded copy is gone or damaged: it stops counting until a check finds it good again.</summary>
    internal static Task ProblemAsync(PoolContext pool, ContentHash hash, string hostId, string hostName, CopyState state, string why)
    {
        pool.Logger.LogWarning("Copy of {Hash} on host {Host} is {Problem}.", hash, hostName, why);
        return pool.Copies.MarkCopyProblemAsync(hash, hostId, state, why, pool.SharedTime.GetUtcNow(), CancellationToken.None);
    }
}
