using System.Collections.Concurrent;
using CloudManager.IO;

namespace CloudManager.Cache;

/// <summary>
/// Copies in memory of small cached files that are read again and again, so that a server answering
/// many reads of the same files sends them without opening and reading the file each time. Bounded
/// in total bytes; the least recently used copy leaves first.
/// </summary>
/// <remarks>
/// A copy is only served while the cached file is still the one it was read from: each read checks
/// the file's identity (device, inode, size, modification and change times) with one <c>stat</c> and
/// drops the copy when anything differs, so a file deleted, cut short, rewritten or replaced behind
/// the pool's back is never served from memory. The bytes behind a hash never change and were
/// verified when they entered the cache; the pool also drops a copy whenever it removes the file's
/// cache entry itself. Linux only (elsewhere nothing is kept); thread-safe.
/// </remarks>
internal sealed class HotFileMemory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ContentHash, LinkedListNode<Copy>> _copies = [];
    // Most recently used first; moving a node to the front reuses it, so a hit allocates nothing.
    private readonly LinkedList<Copy> _recency = new();
    private readonly ConcurrentDictionary<ContentHash, byte> _loading = new();
    private long _bytes;

    /// <summary>Keeps at most <paramref name="capacityBytes"/> bytes of files of at most <paramref name="maxFileSize"/> bytes each.</summary>
    internal HotFileMemory(long capacityBytes, int maxFileSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFileSize);
        CapacityBytes = capacityBytes;
        MaxFileSize = (int)Math.Min(maxFileSize, capacityBytes);
    }

    /// <summary>The most bytes kept in all.</summary>
    internal long CapacityBytes { get; }

    /// <summary>The largest file kept.</summary>
    internal int MaxFileSize { get; }

    /// <summary>The bytes kept now.</summary>
    internal long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The files kept now.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _copies.Count;
            }
        }
    }

    /// <summary>Whether a file of this size would be kept.</summary>
    internal bool Accepts(long size) => size > 0 && size <= MaxFileSize && FileIdentity.IsSupported;

    /// <summary>
    /// The kept bytes of a file of <paramref name="size"/> bytes, when a copy is kept and the file at
    /// <paramref name="path"/> is still the one it was read from; a copy that no longer matches is dropped.
    /// </summary>
    internal byte[]? TryGet(ContentHash hash, string path, long size)
    {
        Copy copy;
        lock (_lock)
        {
            if (!_copies.TryGetValue(hash, out var node))
            {
                return null;
            }

            copy = node.Value;
            if (node != _recency.First)
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
            }
        }

        if (copy.Bytes.Length == size && FileIdentity.TryRead(path, out var now) && now == copy.Identity)
        {
            return copy.Bytes;
        }

        Remove(hash, copy);
        return null;
    }

    /// <summary>
    /// Reads the file at <paramref name="path"/> into memory and keeps it, when it is of a size kept
    /// and has exactly <paramref name="size"/> bytes (what the catalog records). Null when it is not
    /// kept: another size, missing, unreadable, changed while read, or already being read by another
    /// caller (who keeps it; this one reads the file as usual).
    /// </summary>
    internal byte[]? TryLoad(ContentHash hash, string path, long size)
    {
        if (!Accepts(size) || !_loading.TryAdd(hash, 0))
        {
            return null;
        }

        try
        {
            if (Read(path, size) is not var (bytes, identity))
            {
                return null;
            }

            Keep(hash, new Copy(hash, bytes, identity));
            return bytes;
        }
        finally
        {
            _loading.TryRemove(hash, out _);
        }
    }

    /// <summary>Drops the copy of a file, e.g. when the pool removes it from the cache.</summary>
    internal void Remove(ContentHash hash)
    {
        lock (_lock)
        {
            if (_copies.Remove(hash, out var node))
            {
                Unlink(node);
            }
        }
    }

    /// <summary>Drops a copy found stale, unless another caller has replaced it meanwhile.</summary>
    private void Remove(ContentHash hash, Copy stale)
    {
        lock (_lock)
        {
            if (_copies.TryGetValue(hash, out var node) && ReferenceEquals(node.Value, stale))
            {
                _copies.Remove(hash);
                Unlink(node);
            }
        }
    }

    private void Keep(ContentHash hash, Copy copy)
    {
        lock (_lock)
        {
            if (_copies.Remove(hash, out var old))
            {
                Unlink(old);
            }

            while (_bytes + copy.Bytes.Length > CapacityBytes && _recency.Last is { } oldest)
            {
                _copies.Remove(oldest.Value.Hash);
                Unlink(oldest);
            }

            _copies[hash] = _recency.AddFirst(copy);
            _bytes += copy.Bytes.Length;
        }
    }

    private void Unlink(LinkedListNode<Copy> node)
    {
        _recency.Remove(node);
        _bytes -= node.Value.Bytes.Length;
    }

    /// <summary>The whole file and the identity it had before and after the read; null when it cannot be kept.</summary>
    private static (byte[] Bytes, FileIdentity Identity)? Read(string path, long size)
    {
        try
        {
            using var file = DurableFile.OpenCachedRead(path, size);
            var handle = file.SafeFileHandle;
            if (!FileIdentity.TryRead(handle, out var before) || before.Size != size)
            {
                return null;
            }

            var bytes = GC.AllocateUninitializedArray<byte>((int)size);
            var read = 0;
            while (read < bytes.Length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0)
                {
                    return null;
                }

                read += n;
            }

            // Changed while it was read (a write in place moves the times): not a copy of one version.
            return FileIdentity.TryRead(handle, out var after) && after == before ? (bytes, before) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not kept; the caller reads the file as usual and meets the same error there.
            return null;
        }
    }

    private sealed record Copy(ContentHash Hash, byte[] Bytes, FileIdentity Identity);
}
