using System.Globalization;
using System.Text;

namespace CloudManager.CachePolicy;

/// <summary>Renders replay results as a Markdown table, beside published figures where the trace has them.</summary>
public static class ResultsTable
{
    /// <summary>
    /// Byte miss ratios that libCacheSim computed on <c>cloudPhysicsIO.oracleGeneral.bin</c> at 1, 5,
    /// 10 and 20 % of its unique bytes: the figures the replay's LRU must reproduce and the default must beat.
    /// </summary>
    public static IReadOnlyList<(string Name, double[] ByteMissRatios)> CloudPhysicsReference { get; } =
    [
        ("LRU", [0.9800, 0.9690, 0.9518, 0.8642]),
        ("the 2014 rule (largest first, 90 % fill)", [0.9816, 0.9615, 0.9315, 0.7817]),
        ("S3-FIFO", [0.9766, 0.9479, 0.8619, 0.7652]),
        ("ARC", [0.9769, 0.9461, 0.9026, 0.8066]),
        ("LIRS", [0.9775, 0.9468, 0.8730, 0.7304]),
        ("best of 20 online policies", [0.9761, 0.9414, 0.8551, 0.7304]),
        ("Belady (offline)", [0.9393, 0.8250, 0.7320, 0.6227]),
    ];

    /// <summary>One section: the trace, then a row per policy with byte and object miss ratios per cache size.</summary>
    public static string Render(RequestTrace trace, IReadOnlyList<double> shares, IReadOnlyList<IReadOnlyList<ReplayResult>> results, bool withReference)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(results);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"### {trace.Name}: {trace.Requests.Count:N0} requests, {trace.UniqueBytes:N0} unique bytes\n\n");
        var sizes = string.Join(" | ", shares.Select(s => $"{s * 100:0.#} %"));
        var blanks = string.Join(" | ", shares.Select(_ => "—"));
        text.Append("| policy | byte miss: ").Append(sizes).Append(" | object miss: ").Append(sizes).Append(" |\n");
        text.Append("| --- |").Append(string.Concat(Enumerable.Repeat(" ---: |", shares.Count * 2))).Append('\n');
        foreach (var row in results)
        {
            text.Append(CultureInfo.InvariantCulture, $"| `{row[0].Policy}` | ")
                .AppendJoin(" | ", row.Select(r => Ratio(r.ByteMissRatio))).Append(" | ")
                .AppendJoin(" | ", row.Select(r => Ratio(r.ObjectMissRatio))).Append(" |\n");
        }

        if (withReference)
        {
            foreach (var (name, ratios) in CloudPhysicsReference)
            {
                text.Append(CultureInfo.InvariantCulture, $"| reference: {name} | ").AppendJoin(" | ", ratios.Select(Ratio)).Append(" | ").Append(blanks).Append(" |\n");
            }
        }

        return text.Append('\n').ToString();
    }

    private static string Ratio(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
