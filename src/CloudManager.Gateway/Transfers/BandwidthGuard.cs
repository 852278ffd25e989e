using System.Globalization;
using CloudManager.Catalog;
using CloudManager.Gateway.Errors;

namespace CloudManager.Gateway.Transfers;

/// <summary>
/// Refuses transfers that would take this month's incoming or outgoing bytes past the configured
/// limit (429, with <c>Retry-After</c> set to the start of the next month, UTC).
/// </summary>
internal sealed class BandwidthGuard(CloudPool pool, GatewayOptions options, TransferMeter meter)
{
    /// <summary>Checks an upload of <paramref name="bytes"/> (0 when its size is not known yet).</summary>
    public async Task EnsureIncomingAllowedAsync(long bytes, CancellationToken cancellationToken)
    {
        if (options.MonthlyIncomingLimitBytes is not { } limit)
        {
            return;
        }

        var used = await pool.CurrentIncomingAsync(cancellationToken);
        Check("received", "upload", "monthlyIncomingLimit", used, bytes, limit);
    }

    /// <summary>Checks a download of <paramref name="bytes"/>.</summary>
    public async Task EnsureOutgoingAllowedAsync(long bytes, CancellationToken cancellationToken)
    {
        if (options.MonthlyOutgoingLimitBytes is not { } limit)
        {
            return;
        }

        var month = SqlCatalog.MonthOf(pool.Clock.GetUtcNow());
        var used = await pool.CurrentOutgoingAsync(cancellationToken) + meter.PendingOutgoing(month);
        Check("sent", "download", "monthlyOutgoingLimit", used, bytes, limit);
    }

    private void Check(string verb, string transfer, string setting, long used, long bytes, long limit)
    {
        if (used < limit && used + bytes <= limit)
        {
            return;
        }

        var now = pool.Clock.GetUtcNow().ToUniversalTime();
        var nextMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        var month = SqlCatalog.MonthOf(now);
        var reset = nextMonth.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var what = used >= limit
            ? $"This node has {verb} {ByteText.Format(used)} in {month} (UTC), its monthly limit of {ByteText.Format(limit)} is reached"
            : $"This node has {verb} {ByteText.Format(used)} of its {ByteText.Format(limit)} monthly limit in {month} (UTC), and this {transfer} of {ByteText.Format(bytes)} would pass it";
        throw GatewayProblemException.BandwidthExhausted(
            $"{what}. Try again after {reset}, or ask the operator to raise {setting}.", nextMonth - now);
    }
}
