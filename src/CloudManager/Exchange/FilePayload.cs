using System.Text.Json.Serialization;

namespace CloudManager.Exchange;

/// <summary>
/// What the pool tells other nodes about one file: the seed's payload, version 0.2.
/// </summary>
/// <remarks>
/// Serializes (with <see cref="System.Text.Json.JsonSerializer"/> or <see cref="PayloadJson"/>) to
/// <code>
/// { "version": "0.2", "datetime": "1391212800", "filename": "README.md", "filesize": 23124,
///   "filehash": "6e16…7b1b",
///   "uploads": [ { "host_name": "disk-b", "url": "6e/6e16…7b1b" }, { "host_name": "s3", "error": true } ] }
/// </code>
/// </remarks>
/// <param name="FileHash">The file's SHA-256.</param>
/// <param name="FileSize">Its size in bytes.</param>
/// <param name="FileName">The name as recorded; see <see cref="DisplayName"/> for the name to show.</param>
/// <param name="DateTime">When the file entered the pool (whole seconds).</param>
/// <param name="Uploads">Its copies and failed attempts.</param>
/// <param name="Version">The payload version read ("0.1" or "0.2"); written as "0.2".</param>
[JsonConverter(typeof(FilePayloadJsonConverter))]
public sealed record FilePayload(
    ContentHash FileHash,
    long FileSize,
    string FileName,
    DateTimeOffset DateTime,
    IReadOnlyList<UploadLink> Uploads,
    string Version = PayloadJson.CurrentVersion)
{
    /// <summary>
    /// The name to show a person: the 2014 implementation wrote its cache name
    /// (<c>b9cbdbf_README.md</c>, the first 7 hex digits of the hash and an underscore); that prefix is
    /// dropped here while <see cref="FileName"/> keeps the record as it was.
    /// </summary>
    public string DisplayName
    {
        get
        {
            var prefix = FileHash.ToString()[..7] + "_";
            return FileName.Length > prefix.Length && FileName.StartsWith(prefix, StringComparison.Ordinal)
                ? FileName[prefix.Length..]
                : FileName;
        }
    }

    /// <summary>
    /// The name to write the file under when the user names only a folder (the default of
    /// <c>cm download</c>): <see cref="DisplayName"/> made harmless, since it comes from whoever added
    /// the file, possibly another node. Control and format characters (bidirectional overrides,
    /// zero-width characters), line and paragraph separators, filler letters (see <see cref="FileNames"/>), path separators and leading dots or
    /// dashes (a hidden file, an option to the next command) become <c>_</c>; surrounding white
    /// space is dropped; a name with nothing visible left is the hash's first 10 digits. A name
    /// that needs none of this is returned as it is.
    /// </summary>
    public string SafeFileName => MakeSafe(DisplayName, FileHash);

    /// <summary>The file's hash and size.</summary>
    public ContentRef Content => new(FileHash, FileSize);

    /// <summary>The payload as the seed's JSON text.</summary>
    public string ToJson() => PayloadJson.Serialize(this);

    private static string MakeSafe(string name, ContentHash hash)
    {
        var chars = name.Trim().ToCharArray();
        var leading = true;
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var paired = (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(chars[i - 1]));
            if (char.IsSurrogate(c) && !paired)
            {
                chars[i] = '_';
            }
            else if (char.IsHighSurrogate(c) && paired && FileNames.IsForbidden(new System.Text.Rune(c, chars[i + 1])))
            {
                // A format character beyond the first plane (tag characters): both halves go.
                chars[i] = chars[i + 1] = '_';
            }
            else if (c is '/' or '\\' || (leading && c is '.' or '-') || IsInvisibleOrBreaking(c))
            {
                chars[i] = '_';
            }

            leading &= chars[i] == '_';
        }

        var safe = new string(chars);
        return safe.Trim('_').Length == 0 || safe.All(char.IsWhiteSpace) ? hash.ToString()[..10] : safe;
    }

    private static bool IsInvisibleOrBreaking(char c) => !char.IsSurrogate(c) && FileNames.IsForbidden(new System.Text.Rune(c));
}
