using CloudManager.Catalog;
using CloudManager.Exchange;

namespace CloudManager.Gateway.Api;

/// <summary>How a file is named to people.</summary>
internal static class FileDisplay
{
    /// <summary>The original name, without the hash prefix the 2014 implementation wrote into its records.</summary>
    public static string Name(FileRecord file) => new FilePayload(file.Hash, file.Size, file.Name, file.CreatedAt, []).DisplayName;
}
