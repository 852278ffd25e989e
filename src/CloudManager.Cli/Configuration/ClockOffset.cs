using System.Globalization;
using System.Text.RegularExpressions;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// The test and diagnostic knob <c>CM_CLOCK_OFFSET</c>: runs this node's clock ahead (or behind) the
/// machine's by a whole number of seconds, minutes, hours or days (<c>400d</c>, <c>-90m</c>), to try
/// what a node with a wrong clock does to a shared catalog without changing the machine's clock. Read
/// from the environment only (never from a config file), honoured only when set, and announced on
/// stderr by every command that opens the pool.
/// </summary>
internal static partial class ClockOffset
{
    /// <summary>The largest offset accepted either way: 100 years.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromDays(36_500);

    /// <summary>The offset a variable's value names, or null when it is unset or empty.</summary>
    /// <exception cref="CliException">The value is not a signed whole number with a unit, or beyond <see cref="Limit"/> (exit 2).</exception>
    public static TimeSpan? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var match = Form().Match(value.Trim());
        if (!match.Success || !long.TryParse(match.Groups["n"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount))
        {
            throw CliException.Usage(
                $"{EnvironmentNames.ClockOffset}='{value}' is not an offset: write a whole number with s, m, h or d, such as 400d or -90m (or unset it: it is a test knob).");
        }

        var unit = match.Groups["u"].Value switch
        {
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            _ => TimeSpan.FromDays(1),
        };
        if (Math.Abs(amount) > Limit.Ticks / unit.Ticks)
        {
            throw CliException.Usage($"{EnvironmentNames.ClockOffset}='{value}' is beyond {Limit.TotalDays:0} days either way.");
        }

        return TimeSpan.FromTicks(amount * unit.Ticks);
    }

    /// <summary>How an offset reads in the warning: <c>400d ahead</c>, <c>1d 2h behind</c>.</summary>
    public static string Describe(TimeSpan offset)
    {
        var size = offset.Duration();
        var parts = new List<string>();
        if (size.Days > 0)
        {
            parts.Add($"{size.Days}d");
        }

        if (size.Hours > 0)
        {
            parts.Add($"{size.Hours}h");
        }

        if (size.Minutes > 0)
        {
            parts.Add($"{size.Minutes}m");
        }

        if (size.Seconds > 0 || parts.Count == 0)
        {
            parts.Add($"{size.Seconds}s");
        }

        return string.Join(' ', parts) + (offset < TimeSpan.Zero ? " behind" : " ahead");
    }

    [GeneratedRegex("^(?<n>[+-]?[0-9]{1,12})(?<u>[smhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex Form();
}

/// <summary>The machine's clock shifted by a fixed offset: wall-clock time only (elapsed time and timers are the machine's).</summary>
internal sealed class OffsetClock(TimeProvider inner, TimeSpan offset) : TimeProvider
{
    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + offset;

    /// <inheritdoc />
    public override long GetTimestamp() => inner.GetTimestamp();

    /// <inheritdoc />
    public override long TimestampFrequency => inner.TimestampFrequency;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
