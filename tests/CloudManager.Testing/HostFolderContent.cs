using CloudManager.Hosts;

namespace CloudManager.Testing;

/// <summary>What a directory host's folder holds as content copies: not its identity marker, its metadata (journals) or uploads in progress.</summary>
public static class HostFolderContent
{
    /// <summary>The content objects under a directory host's folder.</summary>
    public static List<string> Files(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => IsContent(folder, f))];

    private static bool IsContent(string folder, string file)
    {
        var relative = Path.GetRelativePath(folder, file);
        var first = relative.Split(Path.DirectorySeparatorChar)[0];
        return relative != HostMarker.ObjectName && first != MetadataNames.Folder && first != ".incoming";
    }
}
