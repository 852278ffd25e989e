using System.Security.Cryptography;
using CloudManager.IO;

namespace CloudManager.Cache;

/// <summary>
/// Where things live in a cache folder: <c>objects/ab/&lt;hash&gt;</c> for cached files (named by the
/// full hash, never by a user's file name), <c>tmp/</c> for transfers in flight, <c>.lock</c> and
/// <c>node-id</c>.
/// </summary>
internal sealed class CacheLayout
{
    internal CacheLayout(string root)
    {
        Root = Path.GetFullPath(root);
        ObjectsPath = Path.Combine(Root, "objects");
        TempPath = Path.Combine(Root, "tmp");
        LockPath = Path.Combine(Root, ".lock");
        NodeIdPath = Path.Combine(Root, "node-id");
    }

    internal string Root { get; }

    internal string ObjectsPath { get; }

    internal string TempPath { get; }

    internal string LockPath { get; }

    internal string NodeIdPath { get; }

    internal void CreateFolders()
    {
        Directory.CreateDirectory(ObjectsPath);
        Directory.CreateDirectory(TempPath);
    }

    internal string PathOf(ContentHash hash)
    {
        var hex = hash.ToString();
        return Path.Combine(ObjectsPath, hex[..2], hex);
    }

    internal string NewTempPath() => Path.Combine(TempPath, $"{Guid.NewGuid():N}.partial");

    /// <summary>Moves a verified temp file to its place under <c>objects/</c>, durably.</summary>
    internal string Install(string tempPath, ContentHash hash)
    {
        var finalPath = PathOf(hash);
        var shard = Path.GetDirectoryName(finalPath)!;
        if (!Directory.Exists(shard))
        {
            Directory.CreateDirectory(shard);
            DurableFile.FlushDirectory(ObjectsPath);
        }

        DurableFile.MoveIntoPlace(tempPath, finalPath);
        return finalPath;
    }

    /// <summary>The node id kept in the folder, created (randomly, durably) with the folder.</summary>
    internal string ReadOrCreateNodeId()
    {
        if (File.Exists(NodeIdPath))
        {
            var existing = File.ReadAllText(NodeIdPath).Trim();
            if (existing.Length > 0)
            {
                return existing;
            }
        }

        var id = "node-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var temp = NewTempPath();
        File.WriteAllText(temp, id + "\n");
        using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Flush(flushToDisk: true);
        }

        DurableFile.MoveIntoPlace(temp, NodeIdPath);
        return id;
    }

    internal int DeleteTempFiles()
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(TempPath))
        {
            DurableFile.DeleteQuietly(file);
            removed++;
        }

        return removed;
    }

    /// <summary>Every file under <c>objects/</c>: its hash when its name is one, and its path and length.</summary>
    internal IEnumerable<(ContentHash? Hash, string Path, long Length)> EnumerateObjects()
    {
        foreach (var file in Directory.EnumerateFiles(ObjectsPath, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            var shard = Path.GetFileName(Path.GetDirectoryName(file));
            var valid = ContentHash.TryParse(name, out var hash)
                && name == hash.ToString()
                && shard == name[..2];
            yield return (valid ? hash : null, file, new FileInfo(file).Length);
        }
    }
}
