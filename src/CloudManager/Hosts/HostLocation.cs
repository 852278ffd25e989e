namespace CloudManager.Hosts;

/// <summary>
/// Where a host keeps its content, normalised so that two hosts on one place, or one inside another,
/// can be found (<see cref="HostOverlap"/>).
/// </summary>
/// <remarks>
/// <para>By kind: <c>("file", "/real/absolute/path")</c> for folders, with the symbolic links of the
/// part that exists resolved (<see cref="OfFolder"/>); <c>("s3", "host:port/bucket/prefix")</c>;
/// <c>("webdav", "scheme://host:port/base/path/")</c>; <c>("rclone", "remote:path")</c>, or
/// <c>("file", path)</c> for an rclone remote on a local path; <c>("plowshare", "module/account")</c>.</para>
/// </remarks>
/// <param name="Scheme">What kind of place: <c>file</c>, <c>s3</c>, <c>webdav</c>, <c>rclone</c>, <c>plowshare</c>.</param>
/// <param name="Path">The place within that scheme, normalised; segments are separated by <c>/</c>.</param>
public sealed record HostLocation(string Scheme, string Path)
{
    /// <summary>The scheme of local and mounted folders.</summary>
    public const string FileScheme = "file";

    private const int MaxLinkDepth = 40;

    /// <summary>The location of a local folder: absolute, <c>.</c> and <c>..</c> applied, symbolic links of the existing part resolved, no trailing separator.</summary>
    /// <param name="path">The folder, absolute or relative to the current folder; it need not exist.</param>
    public static HostLocation OfFolder(string path) => new(FileScheme, NormaliseFolder(path));

    /// <summary>
    /// A folder as one canonical text: the same folder written two ways (a trailing slash, <c>..</c>, a
    /// symbolic link to it or to a folder above it) gives the same text. On Linux a <c>..</c> after a
    /// symbolic link goes to the parent of the link's target, as the system does.
    /// </summary>
    public static string NormaliseFolder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            return full.Length > 3 ? full.TrimEnd('\\', '/') : full;
        }

        // GetFullPath applied "..", but lexically; resolve again from the original text, segment by segment.
        var absolute = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(Environment.CurrentDirectory, path);
        var depth = 0;
        return Resolve("/", absolute, ref depth);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Scheme}:{Path}";

    private static string Resolve(string start, string relative, ref int depth)
    {
        var current = start;
        var exists = true;
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                current = System.IO.Path.GetDirectoryName(current) ?? "/";
                exists = exists || Directory.Exists(current);
                continue;
            }

            var next = current == "/" ? "/" + segment : current + "/" + segment;
            if (exists && LinkTarget(next) is { } target)
            {
                if (++depth > MaxLinkDepth)
                {
                    throw new IOException($"Too many levels of symbolic links under '{next}'.");
                }

                current = target.StartsWith('/') ? Resolve("/", target, ref depth) : Resolve(current, target, ref depth);
                continue;
            }

            current = next;
            exists = exists && System.IO.Path.Exists(current);
        }

        return current;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
