using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using CloudManager.Catalog;

namespace CloudManager.Cache;

/// <summary>
/// The catalog's recent answers to "which file is this, and at what size does this node cache it",
/// kept for <see cref="Lifetime"/>, so that a server answering many reads of the same cached files
/// does not query the catalog for each of them.
/// </summary>
/// <remarks>
/// An answer is only a hint of where to look: the caller opens the cached file and checks its size
/// before serving a byte, and forgets the answer when the file is gone. The bytes behind a hash never
/// change and are verified when they enter the cache, so an answer cannot lead to wrong bytes; a file
/// evicted by another process is noticed at the open, and this pool forgets what it evicts itself.
/// The lifetime bounds how long a change of the record by another process (a new name from an
/// import) stays unseen.
/// </remarks>
internal sealed class RecentLookups(TimeProvider time)
{
    /// <summary>How long an answer is used before the catalog is asked again.</summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    /// <summary>The most answers kept; past it they are all dropped (a server of that many hot files asks again).</summary>
    internal const int Capacity = 4096;

    private readonly ConcurrentDictionary<ContentHash, Answer> _answers = new();

    /// <summary>The remembered record and cached size of a file, when an answer younger than <see cref="Lifetime"/> is kept.</summary>
    internal bool TryGet(ContentHash hash, [NotNullWhen(true)] out FileRecord? file, out long cachedSize)
    {
        if (_answers.TryGetValue(hash, out var answer) && time.GetElapsedTime(answer.Timestamp) < Lifetime)
        {
            file = answer.File;
            cachedSize = answer.CachedSize;
            return true;
        }

        file = null;
        cachedSize = 0;
        return false;
    }

    /// <summary>Keeps the catalog's answer for a file this node caches at <paramref name="cachedSize"/> bytes.</summary>
    internal void Remember(FileRecord file, long cachedSize)
    {
        // Counting takes every lock of the dictionary; it runs only here, after a catalog query, never on a hit.
        if (!_answers.ContainsKey(file.Hash) && _answers.Count >= Capacity)
        {
            _answers.Clear();
        }

        _answers[file.Hash] = new Answer(file, cachedSize, time.GetTimestamp());
    }

    /// <summary>Drops the answer about a file, e.g. when it leaves the cache or could not be opened.</summary>
    internal void Forget(ContentHash hash) => _answers.TryRemove(hash, out _);

    private sealed record Answer(FileRecord File, long CachedSize, long Timestamp);
}
