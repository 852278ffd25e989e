using System.Globalization;

namespace CloudManager;

/// <summary>
/// A count and its noun, as the pool's messages write them: <c>1 file</c>, <c>3 files</c>,
/// <c>1 copy</c>, <c>2 copies</c>. The CLI and the gateway use it too, so that every message counts
/// alike.
/// </summary>
public static class Counted
{
    /// <summary>The count and the noun, plural unless the count is one.</summary>
    /// <param name="count">How many.</param>
    /// <param name="noun">The singular noun: <c>file</c>, <c>copy</c>, <c>host</c>.</param>
    /// <example><c>Counted.Of(2, "copy")</c> is <c>2 copies</c>.</example>
    public static string Of(long count, string noun) => $"{count.ToString(CultureInfo.InvariantCulture)} {Noun(count, noun)}";

    /// <summary>The noun alone, plural unless the count is one.</summary>
    public static string Noun(long count, string noun)
    {
        ArgumentException.ThrowIfNullOrEmpty(noun);
        if (count == 1)
        {
            return noun;
        }

        if (noun.EndsWith('y') && noun.Length > 1 && !"aeiou".Contains(noun[^2], StringComparison.Ordinal))
        {
            return noun[..^1] + "ies";
        }

        return noun.EndsWith('s') || noun.EndsWith('x') || noun.EndsWith("ch", StringComparison.Ordinal) || noun.EndsWith("sh", StringComparison.Ordinal)
            ? noun + "es"
            : noun + "s";
    }
}
