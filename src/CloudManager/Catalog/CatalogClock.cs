using Microsoft.Extensions.Logging;

namespace CloudManager.Catalog;

/// <summary>
/// The time nodes share: the catalog server's clock where it has one (PostgreSQL), the node's own
/// where it does not (SQLite, on one machine). The node's clock runs it between readings; a node whose
/// clock is more than <see cref="Tolerance"/> off the catalog's is warned about and stamps shared times
/// (file creation, exports, leases, the transfer month) on the catalog's clock, so that it cannot push
/// them into the future or the past.
/// </summary>
internal sealed class CatalogClock(TimeProvider local, ILogger logger) : TimeProvider
{
    /// <summary>How far a node's clock may be off the catalog's before shared times follow the catalog's.</summary>
    internal static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(1);

    /// <summary>How long a reading is trusted before the next operation reads the catalog's clock again.</summary>
    internal static readonly TimeSpan ReadingLifetime = TimeSpan.FromMinutes(10);

    private long _offsetTicks;
    private long _readAtTimestamp = long.MinValue;

    /// <summary>How far the catalog's clock is ahead of this node's (zero within the tolerance, or without a catalog clock).</summary>
    internal TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => local.GetUtcNow() + Offset;

    /// <inheritdoc />
    public override long GetTimestamp() => local.GetTimestamp();

    /// <inheritdoc />
    public override long TimestampFrequency => local.TimestampFrequency;

    /// <summary>Reads the catalog's clock unless a reading younger than <see cref="ReadingLifetime"/> stands.</summary>
    internal async Task CalibrateAsync(ICatalog catalog, CancellationToken cancellationToken)
    {
        var last = Interlocked.Read(ref _readAtTimestamp);
        if (last != long.MinValue && local.GetElapsedTime(last) < ReadingLifetime)
        {
            return;
        }

        var before = local.GetUtcNow();
        var server = await catalog.ReadClockAsync(cancellationToken).ConfigureAwait(false);
        var after = local.GetUtcNow();
        Interlocked.Exchange(ref _readAtTimestamp, local.GetTimestamp());
        if (server is not { } serverNow)
        {
            return;
        }

        // The server read its clock somewhere between the two local readings: compare with the middle.
        var skew = serverNow - (before + ((after - before) / 2));
        if (skew.Duration() <= Tolerance)
        {
            Interlocked.Exchange(ref _offsetTicks, 0);
            return;
        }

        if (Interlocked.Exchange(ref _offsetTicks, skew.Ticks) != skew.Ticks)
        {
            logger.LogWarning(
                "This node's clock is {Skew} {Direction} the catalog's ({Catalog}): times shared with other nodes follow the catalog's clock. Set this machine's clock right (NTP).",
                skew.Duration(), skew > TimeSpan.Zero ? "behind" : "ahead of", catalog.DisplayName);
        }
    }
}
