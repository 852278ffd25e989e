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

    /// <summary>The file's hash and size.</summary>
    public ContentRef Content => new(FileHash, FileSize);

    /// <summary>The payload as the seed's JSON text.</summary>
    public string ToJson() => PayloadJson.Serialize(this);
}
