using System.Globalization;
using System.Text;
using CloudManager.Exchange;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Names;

/// <summary>Names from elsewhere are data: which names are refused, and how every name is shown.</summary>
public sealed class FileNamesTests
{
    private static readonly ContentHash Hash = ContentHash.Compute([7, 7, 7]);

    /// <summary>Characters chosen to hit every rule, mixed with any UTF-16 unit and any code point.</summary>
    private static Gen<string> Names =>
        Gen.ArrayOf(Gen.OneOf(
            Gen.Elements("a", "é", " ", ".", "\\", "\u202E", "\u2066", "\u200B", "\u200D", "\uFEFF", "\u00AD", "\u2028", "\u2029", "\u0000", "\n", "\t", "\u007F",
                "\u0085", "\u3164", "\u115F", "\uFFA0", "\U0001F600", "\uD800", "\uDC00", "\U000E0041", "\u0378", "文", "\\u{202E}"),
            Gen.Choose(0, 0xFFFF).Select(i => ((char)i).ToString()),
            Gen.Choose(0x10000, 0x10FFFF).Select(char.ConvertFromUtf32)))
        .Select(parts => string.Concat(parts));

    /// <summary>The rule written out independently: the categories and the fillers the docs name.</summary>
    private static bool Forbidden(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsSurrogate(name[i]))
            {
                if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
                {
                    var category = CharUnicodeInfo.GetUnicodeCategory(name, i);
                    if (category is UnicodeCategory.Format or UnicodeCategory.Control)
                    {
                        return true;
                    }

                    i++;
                    continue;
                }

                return true;
            }

            if (CharUnicodeInfo.GetUnicodeCategory(name[i]) is UnicodeCategory.Control or UnicodeCategory.Format
                    or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || name[i] is '\u115F' or '\u1160' or '\u3164' or '\uFFA0')
            {
                return true;
            }
        }

        return false;
    }

    [Theory]
    [InlineData("invoice\u202Efdp.exe", "invoice\\u{202E}fdp.exe")]
    [InlineData("zero\u200Bwidth", "zero\\u{200B}width")]
    [InlineData("two\nlines", "two\\u{000A}lines")]
    [InlineData("bell\u0007", "bell\\u{0007}")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("\\u{202E}", "\\\\u{202E}")]
    [InlineData("report [draft].pdf", "report [draft].pdf")]
    [InlineData("Ünïcödé 文件 \U0001F600.txt", "Ünïcödé 文件 \U0001F600.txt")]
    [InlineData("tag\U000E0041", "tag\\u{E0041}")]
    public void ForDisplay_escapes_what_is_invisible_and_keeps_the_rest(string name, string shown) =>
        Assert.Equal(shown, FileNames.ForDisplay(name));

    [Fact]
    public void An_unpaired_surrogate_is_shown_escaped_and_refused()
    {
        Assert.Equal("bad\\u{D800}x", FileNames.ForDisplay("bad\uD800x"));
        Assert.Contains("U+DC00", PayloadJson.CheckFileName("\uDC00a"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invoice\u202Efdp.exe", "U+202E")]
    [InlineData("a\u2066b", "U+2066")]
    [InlineData("\uFEFFbom.txt", "U+FEFF")]
    [InlineData("line\u2028sep", "U+2028")]
    [InlineData("para\u2029sep", "U+2029")]
    [InlineData("tab\tname", "U+0009")]
    [InlineData("c1\u0085", "U+0085")]
    [InlineData("filler\u3164", "U+3164")]
    public void CheckFileName_refuses_control_format_separator_and_filler_characters(string name, string code)
    {
        var problem = PayloadJson.CheckFileName(name);
        Assert.NotNull(problem);
        Assert.Contains(code, problem, StringComparison.Ordinal);
        Assert.DoesNotContain(name, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Displayed_names_hold_nothing_invisible_and_tell_names_apart()
    {
        var property = Prop.ForAll(Arb.From(Names), Arb.From(Names), (name, other) =>
        {
            var shown = FileNames.ForDisplay(name);
            var visible = shown.EnumerateRunes().All(r =>
                !FileNames.IsForbidden(r) && Rune.GetUnicodeCategory(r) != UnicodeCategory.OtherNotAssigned)
                && PayloadJson.HasValidSurrogates(shown);
            var distinct = name == other || shown != FileNames.ForDisplay(other);
            return visible && distinct && Unescape(shown) == name;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void Refused_names_are_exactly_those_with_forbidden_characters_and_accepted_names_survive_JSON_exactly()
    {
        var property = Prop.ForAll(Arb.From(Names.Where(n => n.Length > 0)), raw =>
        {
            // Path-like and too-long names are refused for other reasons: keep to names that differ only in their characters.
            var name = raw.Replace('/', '_').Replace('\\', '_');
            if (name is "." or ".." || Encoding.UTF8.GetByteCount(name.Replace("\uD800", "x", StringComparison.Ordinal)) > PayloadJson.MaxFileNameBytes)
            {
                return true;
            }

            var refused = PayloadJson.CheckFileName(name) is not null;
            if (refused != Forbidden(name))
            {
                return false;
            }

            if (!PayloadJson.HasValidSurrogates(name))
            {
                // Not even text: JSON carries it only as an invalid escape, which makes the whole document invalid.
                return refused;
            }

            var json = "[" + Record(name) + "]";
            var document = PayloadJson.ReadDocument(json, rejectBadNames: true);
            if (refused)
            {
                return document.Records.Count == 0 && document.Rejected.Count == 1 && document.Rejected[0].FileHash == Hash.ToString();
            }

            var payload = Assert.Single(document.Records);
            return payload.FileName == name && PayloadJson.ParseRecord(payload.ToJson()).FileName == name;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void A_document_with_a_refused_name_still_gives_its_other_records_and_a_strict_parse_refuses_it_whole()
    {
        var json = "[" + Record("good.txt") + "," + Record("evil\u202Etxt.exe", ContentHash.Compute([1])) + "," + Record("ok.bin", ContentHash.Compute([2])) + "]";
        var document = PayloadJson.ReadDocument(json, rejectBadNames: true);
        Assert.Equal(["good.txt", "ok.bin"], document.Records.Select(r => r.FileName));
        var rejected = Assert.Single(document.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.Contains("U+202E", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains("evil\\u{202E}txt.exe", rejected.Reason, StringComparison.Ordinal);

        var error = Assert.Throws<InvalidPayloadException>(() => PayloadJson.ParseArray(json));
        Assert.Contains("U+202E", error.Message, StringComparison.Ordinal);
    }

    private static string Record(string name, ContentHash? hash = null)
    {
        var payload = new FilePayload(hash ?? Hash, 3, "placeholder", DateTimeOffset.FromUnixTimeSeconds(1), []);
        // The writer escapes what JSON requires; an unpaired surrogate is written as its \u escape.
        var text = new StringBuilder();
        foreach (var c in name)
        {
            text.Append(c is '"' or '\\' || c < ' ' || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return payload.ToJson().Replace("\"placeholder\"", "\"" + text + "\"", StringComparison.Ordinal);
    }

    /// <summary>Undoes <see cref="FileNames.ForDisplay"/>: the escaping loses nothing.</summary>
    private static string Unescape(string shown)
    {
        var name = new StringBuilder();
        for (var i = 0; i < shown.Length; i++)
        {
            if (shown[i] == '\\' && shown[i + 1] == '\\')
            {
                name.Append('\\');
                i++;
            }
            else if (shown[i] == '\\')
            {
                var end = shown.IndexOf('}', i);
                var value = int.Parse(shown.AsSpan(i + 3, end - i - 3), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                name.Append(value is >= 0xD800 and <= 0xDFFF ? ((char)value).ToString() : char.ConvertFromUtf32(value));
                i = end;
            }
            else
            {
                name.Append(shown[i]);
            }
        }

        return name.ToString();
    }
}
