using System.Text.RegularExpressions;

namespace CloudManager.Hosts;

/// <summary>One metadata object a host lists (<see cref="IStorageHost.ListMetadataAsync"/>).</summary>
/// <param name="Name">Its name, relative to the metadata folder (<c>journal/NODE/SEGMENT</c>).</param>
/// <param name="Length">Its length in bytes as the host reports it.</param>
public sealed record MetadataEntry(string Name, long Length);

/// <summary>
/// The names of metadata objects: small named objects a host keeps beside its content (the journal of
/// the files it holds), under <see cref="Folder"/> at the root of the content space, never listed as
/// content. A name is one to <see cref="MaxParts"/> parts joined by <c>/</c>, each part one letter or
/// digit followed by letters, digits, <c>.</c>, <c>_</c> or <c>-</c>, at most <see cref="MaxLength"/>
/// characters in all: no empty part, no <c>..</c>, no leading dot, nothing a host kind could read as a
/// path or an option.
/// </summary>
public static partial class MetadataNames
{
    /// <summary>The folder at the root of a host that holds its metadata objects.</summary>
    public const string Folder = "cloud-manager-meta";

    /// <summary>The longest name.</summary>
    public const int MaxLength = 200;

    /// <summary>The most parts a name has.</summary>
    public const int MaxParts = 4;

    /// <summary>Whether <paramref name="name"/> is a valid metadata name.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return false;
        }

        var parts = name.Split('/');
        return parts.Length <= MaxParts && parts.All(p => Part().IsMatch(p));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a valid name.</summary>
    public static void Check(string name, string parameterName)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a metadata name: 1 to {MaxParts} parts joined by '/', each a letter or digit then letters, digits, '.', '_' or '-', at most {MaxLength} characters.",
                parameterName);
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="prefix"/> is empty (every
    /// metadata object) or a valid name (the folder whose objects, at any depth, are listed).
    /// </summary>
    public static void CheckPrefix(string prefix, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(prefix, parameterName);
        if (prefix.Length > 0)
        {
            Check(prefix, parameterName);
        }
    }

    /// <summary>Whether a listed name falls under <paramref name="prefix"/> (a folder, or empty for all).</summary>
    public static bool IsUnder(string name, string prefix) =>
        prefix.Length == 0 || name.StartsWith(prefix + "/", StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
