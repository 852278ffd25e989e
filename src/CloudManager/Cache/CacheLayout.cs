using System.Globalization;
using System.Security.Cryptography;
using CloudManager.IO;

namespace CloudManager.Cache;

/// <summary>
/// Where things live in a cache folder: <c>objects/ab/&lt;hash&gt;</c> for cached files (named by the
/// full hash, never by a user's file name), <c>tmp/&lt;instance&gt;/</c> for transfers in flight (one
/// folder per open pool, so that several processes can share the cache), <c>quarantine/</c> for files
/// found under <c>objects/</c> whose bytes do not match their name (kept, never counted as cached),
/// <c>.lock</c> and <c>node-id</c>.
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
        QuarantinePath = Path.Combine(Root, "quarantine");
        LockPath = Path.Combine(Root, ".lock");
        NodeIdPath = Path.Combine(Root, "node-id");
    }

    internal string Root { get; }

    internal string ObjectsPath { get; }

    /// <summary>The folder holding every instance's temp folder.</summary>
    internal string TempRoot { get; }

    /// <summary>This instance's temp folder.</summary>
    internal string TempPath { get; }

    /// <summary>The folder that keeps files taken out of <c>objects/</c> because their bytes are not what their name says.</summary>
    internal string QuarantinePath { get; }

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

    internal string NewTempPath() => Path.Combine(TempPath, $"{Guid.NewGuid():N}{TempSuffix}");

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
    internal static string NewTempPath(string lane) => Path.Combine(lane, $"{Guid.NewGuid():N}{TempSuffix}");

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
    /// Deletes the temp files that interrupted writes of instances that are gone (their owner lock is
    /// free) left behind, and nothing else: only names this layout gives temp files
    /// (<c>tmp/&lt;instance&gt;/[&lt;lane&gt;/]&lt;guid&gt;.partial</c> and the owner lock); any other file stays,
    /// and so does a folder still holding one. Leaves live instances' transfers alone. Call under the cache gate.
    /// </summary>
    /// <returns>How many temp files were deleted.</returns>
    internal int DeleteStaleTempFiles()
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(TempRoot))
        {
            // Files directly under tmp/ are no temp file this code writes, but the pattern is unmistakable.
            if (IsTempFileName(Path.GetFileName(file)))
            {
                DurableFile.DeleteQuietly(file);
                removed++;
            }
        }

        foreach (var folder in Directory.EnumerateDirectories(TempRoot))
        {
            if (string.Equals(folder, TempPath, StringComparison.Ordinal) || !IsGuidName(Path.GetFileName(folder)))
            {
                continue;
            }

            try
            {
                using (new FileStream(Path.Combine(folder, OwnerLockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1))
                {
                    removed += DeleteTempFilesIn(folder);
                    foreach (var lane in Directory.EnumerateDirectories(folder).Where(l => IsLaneName(Path.GetFileName(l))))
                    {
                        removed += DeleteTempFilesIn(lane);
                        TryDeleteEmptyFolder(lane);
                    }
                }

                DurableFile.DeleteQuietly(Path.Combine(folder, OwnerLockName));
                TryDeleteEmptyFolder(folder);
            }
            catch (IOException)
            {
                // Its owner is alive (the lock is held): its transfers are in progress.
            }
        }

        return removed;
    }

    /// <summary>Whether a file name is one <see cref="NewTempPath()"/> gives: 32 hexadecimal digits and <c>.partial</c>.</summary>
    internal static bool IsTempFileName(string name) =>
        name.Length == 32 + TempSuffix.Length && name.EndsWith(TempSuffix, StringComparison.Ordinal) && IsGuidName(name[..32]);

    private const string TempSuffix = ".partial";

    private static bool IsGuidName(string name) => name.Length == 32 && name.All(char.IsAsciiHexDigitLower);

    private static bool IsLaneName(string name) => name.Length is > 0 and < 4 && name.All(char.IsAsciiDigit);

    private static int DeleteTempFilesIn(string folder)
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder).Where(f => IsTempFileName(Path.GetFileName(f))))
        {
            DurableFile.DeleteQuietly(file);
            removed++;
        }

        return removed;
    }

    private static void TryDeleteEmptyFolder(string folder)
    {
        try
        {
            // Not recursive: a folder still holding a file that is not a temp file stays as it is.
            Directory.Delete(folder, recursive: false);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Moves a file out of <c>objects/</c> into <c>quarantine/&lt;name&gt;.&lt;yyyyMMddTHHmmssZ&gt;</c> (a
    /// numbered suffix when that name is taken: nothing there is ever replaced) and flushes both
    /// folders. Never deletes. Call under the cache gate.
    /// </summary>
    /// <param name="path">The file to move.</param>
    /// <param name="name">The name to keep: the hash, or the original file name when it is not one.</param>
    /// <param name="now">The time the name records.</param>
    /// <returns>Where the file now is.</returns>
    internal string MoveToQuarantine(string path, string name, DateTimeOffset now)
    {
        Directory.CreateDirectory(QuarantinePath);
        // Room for the time and a suffix within the usual 255-byte limit on a file name.
        var stem = $"{(name.Length > 200 ? name[..200] : name)}.{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        for (var attempt = 0; ; attempt++)
        {
            var target = Path.Combine(QuarantinePath, attempt == 0 ? stem : $"{stem}-{attempt.ToString(CultureInfo.InvariantCulture)}");
            if (File.Exists(target))
            {
                continue;
            }

            try
            {
                File.Move(path, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                continue;
            }

            DurableFile.FlushDirectory(QuarantinePath);
            DurableFile.FlushDirectory(Path.GetDirectoryName(path)!);
            return target;
        }
    }

    /// <summary>The files in <c>quarantine/</c> and their bytes (none when the folder does not exist).</summary>
    internal (int Count, long Bytes) MeasureQuarantine()
    {
        if (!Directory.Exists(QuarantinePath))
        {
            return (0, 0);
        }

        int count = 0;
        long bytes = 0;
        foreach (var file in new DirectoryInfo(QuarantinePath).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            count++;
            bytes += file.Length;
        }

        return (count, bytes);
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
