namespace CloudManager.Hosts;

/// <summary>
/// Where hosts that name content themselves keep it: <c>ab/abcdef…</c>, the first two hex digits
/// sharding the folder (as restic and <see cref="DirectoryHost"/> do), and where uploads wait until
/// complete: <c>.incoming/</c>, never listed.
/// </summary>
public static class ContentKeys
{
    /// <summary>The folder that holds uploads in flight; listings skip it.</summary>
    public const string IncomingFolder = ".incoming";

    /// <summary>The relative key of a content: <c>ab/abcdef…</c>.</summary>
    public static string Of(ContentHash hash)
    {
        var hex = hash.ToString();
        return $"{hex[..2]}/{hex}";
    }

    /// <summary>A fresh key under <see cref="IncomingFolder"/> for one upload of a content.</summary>
    public static string NewIncoming(ContentHash hash) => $"{IncomingFolder}/{hash}.{Guid.NewGuid():N}.partial";

    /// <summary>Parses a relative key back into a hash; false for anything that is not <c>ab/abcdef…</c> with matching shard.</summary>
    public static bool TryParse(string relativeKey, out ContentHash hash)
    {
        hash = default;
        ArgumentNullException.ThrowIfNull(relativeKey);
        var parts = relativeKey.Split('/');
        return parts.Length == 2
            && parts[0].Length == 2
            && ContentHash.TryParse(parts[1], out hash)
            && parts[1].StartsWith(parts[0], StringComparison.Ordinal);
    }
}
