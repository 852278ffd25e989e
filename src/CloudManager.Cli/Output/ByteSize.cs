using System.Globalization;
using System.Text.RegularExpressions;

namespace CloudManager.Cli.Output;

/// <summary>
/// Sizes as people write them: <c>20GiB</c>, <c>512MB</c>, <c>1.5TB</c>, <c>4096</c> (bytes).
/// Binary units (KiB, MiB, GiB, TiB, PiB) are powers of 1024, decimal units (kB, MB, GB, TB, PB)
/// powers of 1000; letters are case-insensitive and a space may separate number and unit.
/// </summary>
internal static partial class ByteSize
{
    private static readonly (string Unit, decimal Factor)[] Units =
    [
        ("b", 1m),
        ("kb", 1e3m), ("mb", 1e6m), ("gb", 1e9m), ("tb", 1e12m), ("pb", 1e15m),
        ("kib", 1024m), ("mib", 1024m * 1024), ("gib", 1024m * 1024 * 1024),
        ("tib", 1024m * 1024 * 1024 * 1024), ("pib", 1024m * 1024 * 1024 * 1024 * 1024),
    ];

    private static readonly string[] HumanUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>Reads a size; null with a reason when the text is not one.</summary>
    public static bool TryParse(string? text, out long bytes, out string? problem)
    {
        bytes = 0;
        problem = null;
        var match = text is null ? Match.Empty : SizePattern().Match(text);
        if (!match.Success)
        {
            problem = $"'{text}' is not a size: write bytes (4096) or a number with a unit (512MB, 20GiB, 1.5TB).";
            return false;
        }

        var unit = match.Groups["unit"].Value.ToLowerInvariant();
        var factor = unit.Length == 0 ? 1m : Units.FirstOrDefault(u => u.Unit == unit).Factor;
        if (factor == 0)
        {
            problem = $"'{text}' has an unknown unit '{match.Groups["unit"].Value}': use B, kB, MB, GB, TB, PB or KiB, MiB, GiB, TiB, PiB.";
            return false;
        }

        if (!decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || number > long.MaxValue / factor)
        {
            problem = $"'{text}' is too large.";
            return false;
        }

        var value = decimal.Round(number * factor, MidpointRounding.AwayFromZero);
        if (value < 1)
        {
            problem = $"'{text}' is less than one byte.";
            return false;
        }

        bytes = (long)value;
        return true;
    }

    /// <summary>A size for people: <c>512 B</c>, <c>1.5 MiB</c>, <c>10.0 GiB</c>.</summary>
    public static string Format(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < HumanUnits.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + HumanUnits[unit];
    }

    [GeneratedRegex(@"^\s*(?<number>\d+(\.\d+)?)\s*(?<unit>[a-zA-Z]*)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
