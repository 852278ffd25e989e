using System.Globalization;
using System.Security.Cryptography;
using CloudManager.IO;

namespace CloudManager.Cache;

/// <summary>
/// Where things live in a cache folder: <c>objects/ab/&lt;hash&gt;</c> for cached files (named by the
/// full hash, never by a user's file name), <c>tmp/&lt;instance&gt;/</c> for transfers in flight (one
/// folder per open pool, so that several processes can share the cache), <c>.lock</c> and <c>node-id</c>.
/// </summary>
internal sealed class CacheLayout : IDisposable
{
    private const string OwnerLockName = ".owner";
    private FileStream? _ownerLock;

    internal CacheLayout(string root)
    {
        Root = Path.GetFullPath(root);
        ObjectsPath = Path.Combine(Root, "objects");
        TempRoot = Path.Combine(Root, "tmp");
        TempPath = Path.Combine(TempRoot, Guid.NewGuid().ToString("N"));
        LockPath = Path.Combine(Root, ".lock");
        NodeIdPath = Path.Combine(Root, "node-id");
    }

    internal string Root { get; }

    internal string ObjectsPath { get; }

    /// <summary>The folder holding every instance's temp folder.</summary>
    internal string TempRoot { get; }

    /// <summary>This instance's temp folder.</summary>
    internal string TempPath { get; }

    internal string LockPath { get; }

    internal string NodeIdPath { get; }

    internal void CreateFolders()
    {
        Directory.CreateDirectory(ObjectsPath);
        Directory.CreateDirectory(TempRoot);
    }

    /// <summary>
    /// Creates this instance's temp folder and holds an exclusive lock inside it until disposed, so
    /// that other processes can tell it from the leftovers of a process that died. Call under the cache gate.
    /// </summary>
    internal void ClaimTempFolder()
    {
        Directory.CreateDirectory(TempPath);
        _ownerLock = new FileStream(Path.Combine(TempPath, OwnerLockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
    }

    public void Dispose()
    {
        if (_ownerLock is null)
        {
            return;
        }

        _ownerLock.Dispose();
        _ownerLock = null;
        try
        {
            Directory.Delete(TempPath, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    internal string PathOf(ContentHash hash)
    {
        var hex = hash.ToString();
        return Path.Combine(ObjectsPath, hex[..2], hex);
    }

    internal string NewTempPath() => Path.Combine(TempPath, $"{Guid.NewGuid():N}.partial");

    /// <summary>
    /// Sub-folders of this instance's temp folder (created when missing), one per thread that creates
    /// files at once: creating a file holds its folder's lock while the file system finds a free inode
    /// (a scan past the recently deleted ones on journal-less ext4), so files created side by side in
    /// one folder wait for each other.
    /// </summary>
    internal IReadOnlyList<string> TempLanes(int count)
    {
        var lanes = new string[count];
        for (var i = 0; i < count; i++)
        {
            lanes[i] = Path.Combine(TempPath, i.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(lanes[i]);
        }

        return lanes;
    }

    /// <summary>A new temp file name in a folder given by <see cref="TempLanes"/>.</summary>
    internal static string NewTempPath(string lane) => Path.Combine(lane, $"{Guid.NewGuid():N}.partial");

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

    /// <summary>
    /// Moves several verified, flushed temp files to their places under <c>objects/</c>.
    /// </summary>
    /// <returns>The folders whose entries changed, to flush once each before the files are recorded
    /// (<c>objects/</c> first when a shard folder was created).</returns>
    internal IReadOnlyList<string> MoveAll(IReadOnlyCollection<(string TempPath, ContentHash Hash)> files)
    {
        var shards = new HashSet<string>(StringComparer.Ordinal);
        var createdShard = false;
        foreach (var (tempPath, hash) in files)
        {
            var finalPath = PathOf(hash);
            var shard = Path.GetDirectoryName(finalPath)!;
            if (shards.Add(shard) && !Directory.Exists(shard))
            {
                Directory.CreateDirectory(shard);
                createdShard = true;
            }

            File.Move(tempPath, finalPath, overwrite: true);
        }

        return createdShard ? [ObjectsPath, .. shards] : [.. shards];
    }

    /// <summary>The node id the folder records, or null when it records none.</summary>
    internal string? TryReadNodeId()
    {
        try
        {
            var existing = File.ReadAllText(NodeIdPath).Trim();
            return existing.Length > 0 ? existing : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The node id kept in the folder, created (randomly, durably) with the folder.</summary>
    internal string ReadOrCreateNodeId()
    {
        if (TryReadNodeId() is { } existing)
        {
            return existing;
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

    /// <summary>
    /// Deletes the temp folders of instances that are gone (their owner lock is free) and stray files;
    /// leaves live instances' transfers alone. Call under the cache gate.
    /// </summary>
    /// <returns>How many temp files were deleted.</returns>
    internal int DeleteStaleTempFiles()
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(TempRoot))
        {
            DurableFile.DeleteQuietly(file);
            removed++;
        }

        foreach (var folder in Directory.EnumerateDirectories(TempRoot))
        {
            if (string.Equals(folder, TempPath, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                using (new FileStream(Path.Combine(folder, OwnerLockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1))
                {
                    removed += Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count(f => !f.EndsWith(OwnerLockName, StringComparison.Ordinal));
                }

                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Its owner is alive (the lock is held): its transfers are in progress.
            }
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
