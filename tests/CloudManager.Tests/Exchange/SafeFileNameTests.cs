using System.Globalization;
using CloudManager.Exchange;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Exchange;

/// <summary>The default download name of a file whose name came from someone else.</summary>
public sealed class SafeFileNameTests
{
    private static readonly ContentHash Hash = ContentHash.Compute([1, 2, 3]);

    [Theory]
    [InlineData(".bashrc", "_bashrc")]
    [InlineData("..profile", "__profile")]
    [InlineData("-rf", "_rf")]
    [InlineData("--help", "__help")]
    [InlineData("_-x", "__x")]
    [InlineData("invoice\u202Efdp.exe", "invoice_fdp.exe")]
    [InlineData("zero\u200Bwidth.txt", "zero_width.txt")]
    [InlineData("line\u2028break", "line_break")]
    [InlineData("  padded.txt  ", "padded.txt")]
    [InlineData("a-b.c", "a-b.c")]
    [InlineData("report 2014.pdf", "report 2014.pdf")]
    [InlineData("Ünïcödé 文件.txt", "Ünïcödé 文件.txt")]
    [InlineData("emoji \U0001F600.png", "emoji \U0001F600.png")]
    public void Names_from_elsewhere_become_harmless_and_plain_names_stay(string name, string expected) =>
        Assert.Equal(expected, Payload(name).SafeFileName);

    [Theory]
    [InlineData(" ")]
    [InlineData("\u00A0\u2003")]
    [InlineData(".")]
    [InlineData("...")]
    [InlineData("\u200B\u200D")]
    [InlineData("___")]
    public void A_name_with_nothing_visible_left_is_the_hash_prefix(string name) =>
        Assert.Equal(Hash.ToString()[..10], Payload(name).SafeFileName);

    [Fact]
    public void The_prefix_the_2014_names_carry_is_dropped_first()
    {
        var prefixed = Hash.ToString()[..7] + "_.hidden";
        Assert.Equal("_hidden", Payload(prefixed).SafeFileName);
    }

    [Fact]
    public void No_name_yields_a_hidden_file_an_option_a_path_or_an_invisible_character()
    {
        var anyChar = Gen.OneOf(
            Gen.Elements('.', '-', '/', '\\', ' ', '_', 'a', '\u202E', '\u200B', '\u2028', '\u2029', '\u00A0', '\0', '\n', '\uD800', '\uDC00', 'é'),
            Gen.Choose(0, 0xFFFF).Select(i => (char)i));
        var names = Gen.ArrayOf(anyChar).Select(chars => new string(chars));
        var property = Prop.ForAll(Arb.From(names), name =>
        {
            var safe = Payload(name).SafeFileName;
            return safe.Length > 0
                && safe[0] is not ('.' or '-')
                && !safe.Contains('/') && !safe.Contains('\\')
                && !string.IsNullOrWhiteSpace(safe) && safe == safe.Trim()
                && safe.All(c => !char.IsControl(c) && char.GetUnicodeCategory(c) is not (UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator))
                && PayloadJson.CheckFileName(safe) is null;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), property);
    }

    private static FilePayload Payload(string name) =>
        new(Hash, 3, name, DateTimeOffset.UnixEpoch, []);
}
