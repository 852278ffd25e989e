using System.Globalization;
using System.Text;

namespace CloudManager;

/// <summary>
/// File names are data, not paths nor terminal input: which characters a name may hold, and how a
/// name is shown to a person so that it can never rewrite a line or reorder the text around it.
/// </summary>
/// <remarks>
/// <para>
/// A name is <em>refused</em> (at import of another node's records and at upload) when it holds a
/// character that is invisible or changes how text is laid out: a control character (Unicode
/// category Cc: C0, DEL, C1, including tab and newline), a format character (Cf: bidirectional
/// overrides and isolates, zero-width space and joiners, the byte-order mark, soft hyphen...), a
/// line or paragraph separator (Zl, Zp), an unpaired UTF-16 surrogate, or one of the Hangul filler
/// letters (U+115F, U+1160, U+3164, U+FFA0), which are letters that render as nothing.
/// </para>
/// <para>
/// A name is <em>shown</em> through <see cref="ForDisplay"/>: every refused character, and every code
/// point this runtime's Unicode tables do not know (category Cn), becomes <c>\u{XXXX}</c>, and a
/// backslash becomes <c>\\</c>, so that the escaped form cannot be confused with a name that holds
/// the escape's text. Names in JSON are never escaped this way: they are data and stay exact.
/// </para>
/// </remarks>
public static class FileNames
{
    /// <summary>Whether <paramref name="rune"/> is a character a file name may not hold (see the remarks of <see cref="FileNames"/>).</summary>
    public static bool IsForbidden(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate
        || rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0;

    /// <summary>
    /// The first character of <paramref name="name"/> that a file name may not hold, described for a
    /// person (<c>U+202E (a format character, such as a bidirectional override or a zero-width character) at position 8</c>), or null when there is none.
    /// </summary>
    public static string? FindForbidden(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var position = 0;
        var index = 0;
        while (index < name.Length)
        {
            var status = Rune.DecodeFromUtf16(name.AsSpan(index), out var rune, out var consumed);
            position++;
            if (status != System.Buffers.OperationStatus.Done)
            {
                return string.Create(CultureInfo.InvariantCulture, $"U+{(int)name[index]:X4} (an unpaired UTF-16 surrogate) at position {position}");
            }

            if (IsForbidden(rune))
            {
                return string.Create(CultureInfo.InvariantCulture, $"U+{rune.Value:X4} ({Kind(rune)}) at position {position}");
            }

            index += consumed;
        }

        return null;
    }

    /// <summary>
    /// <paramref name="name"/> as it may be shown to a person: a backslash becomes <c>\\</c>, and every
    /// character a name may not hold (<see cref="IsForbidden"/>), every unpaired surrogate and every
    /// code point unknown to this runtime (category Cn) becomes <c>\u{XXXX}</c> (upper-case hex, at
    /// least four digits). Every other character is kept, so a plain name is returned as it is.
    /// The result holds no control, format, separator or unknown character, and differs for
    /// different names.
    /// </summary>
    public static string ForDisplay(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!NeedsEscaping(name))
        {
            return name;
        }

        var text = new StringBuilder(name.Length + 16);
        var index = 0;
        while (index < name.Length)
        {
            var status = Rune.DecodeFromUtf16(name.AsSpan(index), out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{{{(int)name[index]:X4}}}");
                index++;
                continue;
            }

            if (rune.Value == '\\')
            {
                text.Append(@"\\");
            }
            else if (IsHidden(rune))
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{{{rune.Value:X4}}}");
            }
            else
            {
                text.Append(name, index, consumed);
            }

            index += consumed;
        }

        return text.ToString();
    }

    private static bool NeedsEscaping(string name)
    {
        foreach (var c in name)
        {
            // Printable ASCII other than the backslash is kept: the common case needs no decoding.
            if (c is < ' ' or > '~' or '\\')
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHidden(Rune rune) => IsForbidden(rune) || Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherNotAssigned;

    private static string Kind(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control => "a control character",
        UnicodeCategory.Format => "a format character, such as a bidirectional override or a zero-width character",
        UnicodeCategory.LineSeparator => "a line separator",
        UnicodeCategory.ParagraphSeparator => "a paragraph separator",
        _ => "a filler letter that shows as nothing",
    };
}
