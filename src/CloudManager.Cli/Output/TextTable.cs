using System.Text;

namespace CloudManager.Cli.Output;

/// <summary>
/// Plain aligned columns, one row per line, the same on a terminal and in a pipe (no borders, no
/// wrapping), so that <c>cut</c>, <c>awk</c> and people read the same thing.
/// </summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];
    private readonly HashSet<int> _rightAligned = [];

    public TextTable(params string[] headers)
    {
        _headers = headers;
    }

    public TextTable AlignRight(params int[] columns)
    {
        _rightAligned.UnionWith(columns);
        return this;
    }

    public void Add(params string[] cells) => _rows.Add(cells);

    public IEnumerable<string> Lines(bool includeHeader = true)
    {
        var widths = _headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(includeHeader ? h.Length : 0).Max()).ToArray();
        if (includeHeader)
        {
            yield return Format(_headers, widths);
        }

        foreach (var row in _rows)
        {
            yield return Format(row, widths);
        }
    }

    private string Format(string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            var last = i == cells.Length - 1;
            var cell = _rightAligned.Contains(i) ? cells[i].PadLeft(widths[i]) : last ? cells[i] : cells[i].PadRight(widths[i]);
            line.Append(cell);
            if (!last)
            {
                line.Append("  ");
            }
        }

        return line.ToString().TrimEnd();
    }
}
