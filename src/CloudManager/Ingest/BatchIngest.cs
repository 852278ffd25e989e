using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using CloudManager.Cache;
using CloudManager.Catalog;
using CloudManager.IO;
using Microsoft.Extensions.Logging;

namespace CloudManager.Ingest;

/// <summary>
/// Adds many files at once: small files (up to <see cref="BatchedFileLimit"/>) in batches, copied into
/// the cache and flushed several at a time on the disk threads, renamed into place with one flush per
/// folder and recorded in one catalog transaction, while the next batch is being copied; larger files
/// one at a time through <see cref="FileIngest"/>, between the batches, in the order given.
/// </summary>
internal sealed class BatchIngest(PoolContext pool, LocalCache cache, FileIngest single, NewFileAdmission admission)
{
    /// <summary>Files up to this size are uploaded in batches; larger ones one at a time, hashed while they stream.</summary>
    internal const int BatchedFileLimit = DurableFile.BufferSize;

    /// <summary>
    /// At most this many files per batch: more share each flush (a batch flushes the cache's file system
    /// twice, which on a busy disk takes tens of milliseconds each), fewer bound the work a failed commit undoes.
    /// </summary>
    internal const int FilesPerBatch = 2048;

    /// <summary>A batch ends once its files hold this many bytes, so that a batch of the larger small files stays bounded.</summary>
    internal const long BytesPerBatch = 256L << 20;

    /// <summary>The bytes at which a batch ends: <see cref="BytesPerBatch"/>, lowered by a test to see batches end early.</summary>
    internal long BatchByteLimit { get; set; } = BytesPerBatch;

    /// <summary>
    /// Begins the flush of one batch, given this pool's temp folder (see <see cref="BatchFlush.Begin"/>); a test
    /// replaces it to inject flush failures or to take the per-file path.
    /// </summary>
    internal Func<string, IBatchFlush> BeginBatchFlush { get; set; } = root => BatchFlush.Begin(root);

    /// <summary>See <see cref="CloudPool.UploadFilesAsync"/>.</summary>
    internal async Task<IReadOnlyList<string>> UploadFilesAsync(
        IReadOnlyList<string> paths, Action<UploadOutcome>? uploaded, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // Every name is checked before a file is read: a refused name adds nothing of the batch.
        foreach (var path in paths)
        {
            SourceChecks.EnsureAcceptableName(Path.GetFileName(path), $"'{FileNames.ForDisplay(path)}'");
            SourceChecks.EnsureOutsideCache(pool, path);
        }

        var hashes = new string[paths.Count];
        var added = new bool[paths.Count];
        long done = 0;
        var next = 0;
        // Batch n is installed and recorded while batch n+1 is copied: the one waits mostly for
        // folder flushes and the catalog commit, the other for file writes and flushes.
        (StagedBatch Batch, Task<ExceptionDispatchInfo?> Recording)? previous = null;
        try
        {
            while (next < paths.Count)
            {
                var batch = new List<int>();
                var sources = new List<FileInfo>();
                long batchBytes = 0;
                while (next < paths.Count && batch.Count < FilesPerBatch && batchBytes < BatchByteLimit && SmallFileInfo(paths[next]) is { } source)
                {
                    batch.Add(next++);
                    sources.Add(source);
                    batchBytes += source.Exists ? source.Length : 0;
                }

                if (batch.Count == 0)
                {
                    await FinishPreviousAsync().ConfigureAwait(false);
                    var index = next++;
                    var size = new FileInfo(paths[index]).Length;
                    (hashes[index], added[index]) = await single.UploadFileWithOutcomeAsync(paths[index], progress is null ? null : new OffsetProgress(progress, done), cancellationToken).ConfigureAwait(false);
                    done += size;
                    uploaded?.Invoke(new UploadOutcome(index, hashes[index], added[index]));
                    progress?.Report(done);
                    continue;
                }

                var staged = await StageBatchAsync(paths, batch, sources, batchBytes, cancellationToken).ConfigureAwait(false);
                try
                {
                    await FinishPreviousAsync().ConfigureAwait(false);
                }
                catch
                {
                    staged.Release();
                    throw;
                }

                // On the thread pool: the catalog's calls complete synchronously, and the next batch must not wait for them.
                previous = (staged, Task.Run(() => RecordBatchAsync(staged, hashes, added, cancellationToken), CancellationToken.None));
                if (staged.Failures.Any(f => f is not null))
                {
                    // No later file is read once one has failed.
                    await FinishPreviousAsync().ConfigureAwait(false);
                }
            }

            await FinishPreviousAsync().ConfigureAwait(false);
        }
        finally
        {
            if (previous is { } unfinished)
            {
                // Cancelled or failed while a batch was being recorded: let it end before the pool can close.
                await Task.WhenAny(unfinished.Recording).ConfigureAwait(false);
            }
        }

        return hashes;

        async Task FinishPreviousAsync()
        {
            if (previous is not { } last)
            {
                return;
            }

            var failure = await last.Recording.ConfigureAwait(false);
            previous = null;
            foreach (var index in last.Batch.Indexes.Where(i => hashes[i] is not null))
            {
                uploaded?.Invoke(new UploadOutcome(index, hashes[index], added[index]));
            }

            failure?.Throw();
            done += last.Batch.Bytes;
            progress?.Report(done);
        }
    }

    /// <summary>
    /// The file's status when it belongs in a batch (a file that is missing too: its batch reports it).
    /// Its length and time of last write are the ones the copy checks the file against after reading it.
    /// </summary>
    private static FileInfo? SmallFileInfo(string path)
    {
        var info = new FileInfo(path);
        return !info.Exists || info.Length <= BatchedFileLimit ? info : null;
    }

    /// <summary>
    /// Copies the files of a batch into temp files and flushes them. First every file is written (its
    /// writeback started when the files are flushed one by one), then every file is flushed: the
    /// flushes then find their data on its way to the disk. Each file is checked against its status in
    /// <paramref name="sources"/>, taken before it was read. A file that fails is noted, not thrown; a
    /// cancellation deletes every temp file.
    /// </summary>
    private async Task<StagedBatch> StageBatchAsync(IReadOnlyList<string> paths, List<int> batch, List<FileInfo> sources, long bytes, CancellationToken cancellationToken)
    {
        // Begun before the first write: a flush of the whole file system reports the errors of writes made after this.
        var result = new StagedBatch(batch, bytes, new StagedFile?[batch.Count], new ExceptionDispatchInfo?[batch.Count], BeginBatchFlush(pool.Layout.TempPath));
        try
        {
            var lanes = pool.Layout.TempLanes(DiskThreads.Count);
            await DiskThreads.RunAsync(batch.Count, (i, thread) =>
            {
                try
                {
                    result.Files[i] = Stage(paths[batch[i]], sources[i], lanes[thread], startWriteback: !result.Flush.FlushesFileSystem);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    result.Failures[i] = CaptureFailure(paths[batch[i]], e);
                }
            }, cancellationToken).ConfigureAwait(false);
            var written = Enumerable.Range(0, batch.Count).Where(i => result.Files[i] is not null).ToList();
            await result.Flush.FlushFilesAsync([.. written.Select(i => result.Files[i]!.TempPath)], (w, e) =>
            {
                var i = written[w];
                DurableFile.DeleteQuietly(result.Files[i]!.TempPath);
                result.Files[i] = null;
                result.Failures[i] = CaptureFailure(paths[batch[i]], e);
            }, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch
        {
            result.Release();
            throw;
        }
    }

    private ExceptionDispatchInfo CaptureFailure(string path, Exception e) =>
        ExceptionDispatchInfo.Capture(e is IOException io && CacheStorageException.IsDiskRefusal(io) ? CacheStorageException.For(pool.Layout.Root, $"'{path}'", io) : e);

    /// <summary>
    /// Installs and records the flushed files of a batch, fills in the hashes of the files it
    /// recorded, and deletes what is left of its temp files. Files already known are kept as single
    /// uploads keep them; new ones are moved into place, their folders flushed, and recorded in one transaction.
    /// </summary>
    /// <returns>The first failure in path order, or null.</returns>
    private async Task<ExceptionDispatchInfo?> RecordBatchAsync(StagedBatch staged, string[] hashes, bool[] added, CancellationToken cancellationToken)
    {
        try
        {
            await RecordStagedAsync(staged, hashes, added, cancellationToken).ConfigureAwait(false);
            return staged.Failures.FirstOrDefault(f => f is not null);
        }
        finally
        {
            staged.Release();
        }
    }

    private async Task RecordStagedAsync(StagedBatch staged, string[] hashes, bool[] added, CancellationToken cancellationToken)
    {
        var batch = staged.Indexes;
        var fresh = new List<(int Slot, StagedFile File)>();
        var inBatch = new HashSet<ContentHash>();
        var known = await pool.Files.FindFilesAsync([.. staged.Files.OfType<StagedFile>().Select(f => f.Hash).Distinct()], cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            if (staged.Files[i] is not { } file)
            {
                continue;
            }

            if (!inBatch.Add(file.Hash))
            {
                // The same bytes twice in one batch: the first copy is the one recorded.
                hashes[batch[i]] = file.Hash.ToString();
                continue;
            }

            if (known.TryGetValue(file.Hash, out var record))
            {
                await cache.TryInstallKnownAsync(record, file.TempPath, cancellationToken).ConfigureAwait(false);
                hashes[batch[i]] = file.Hash.ToString();
                continue;
            }

            fresh.Add((i, file));
        }

        if (fresh.Count == 0)
        {
            return;
        }

        var now = pool.SharedTime.GetUtcNow();
        var records = fresh.Select(f => new FileRecord(f.File.Hash, f.File.Length, SourceChecks.SafeName(pool, f.File.Name, f.File.Hash), now, 0, null, null)).ToList();
        var refused = await admission.AdmitAsync([.. fresh.Select((f, k) => (f.File.TempPath, records[k]))], staged.Flush, cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < fresh.Count; k++)
        {
            var (slot, _) = fresh[k];
            if (refused[k] is { } full)
            {
                staged.Failures[slot] = ExceptionDispatchInfo.Capture(full);
                continue;
            }

            // Moved into place: nothing left to delete.
            staged.Files[slot] = null;
            hashes[batch[slot]] = records[k].Hash.ToString();
            added[batch[slot]] = true;
            pool.Logger.LogInformation("Uploaded {Name} as {Hash} ({Size} bytes).", records[k].Name, records[k].Hash, records[k].Size);
        }
    }

    /// <summary>
    /// Reads a small file whole, hashes it and writes it to a temp file in the cache, not flushed yet
    /// (see <see cref="SmallFile.WriteNew"/> for <paramref name="startWriteback"/>). <paramref name="source"/>
    /// is the file's status taken before the read: a file that changed since is refused.
    /// </summary>
    private StagedFile Stage(string path, FileInfo source, string tempLane, bool startWriteback)
    {
        if (!source.Exists)
        {
            throw new FileNotFoundException($"Cannot upload '{path}': no such file.", path);
        }

        var lengthBefore = source.Length;
        var writtenBefore = source.LastWriteTimeUtc;
        SourceChecks.EnsureFitsCache(pool, path, lengthBefore);
        // One byte more than expected: a file that grew since is caught by the length read.
        var buffer = ArrayPool<byte>.Shared.Rent((int)lengthBefore + 1);
        try
        {
            var read = 0;
            try
            {
                read = SmallFile.Read(source.FullName, buffer);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException and not FileNotFoundException and not DirectoryNotFoundException)
            {
                // The source's refusals (permission denied, an I/O error of its device), told apart from the cache's below.
                throw SourceUnreadableException.For(path, e);
            }

            SourceChecks.EnsureUnchanged(source, path, lengthBefore, writtenBefore, read);
            var content = buffer.AsSpan(0, read);
            var hash = ContentHash.FromBytes(SHA256.HashData(content));
            var temp = CacheLayout.NewTempPath(tempLane);
            try
            {
                SmallFile.WriteNew(temp, content, startWriteback);
            }
            catch (Exception e)
            {
                DurableFile.DeleteQuietly(temp);
                if (e is UnauthorizedAccessException || CacheStorageException.IsDiskRefusal(e))
                {
                    throw CacheStorageException.For(pool.Layout.Root, $"'{path}'", e);
                }

                throw;
            }

            return new StagedFile(temp, hash, read, source.Name);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A small file copied into the cache's temp folder, hashed and flushed, not yet recorded.</summary>
    private sealed record StagedFile(string TempPath, ContentHash Hash, long Length, string Name);

    /// <summary>The files of one batch (indexes into the caller's paths), each staged or failed.</summary>
    private sealed record StagedBatch(List<int> Indexes, long Bytes, StagedFile?[] Files, ExceptionDispatchInfo?[] Failures, IBatchFlush Flush)
    {
        /// <summary>Deletes the temp files still there (those moved into place are no longer listed) and ends the batch's flush.</summary>
        public void Release()
        {
            Flush.Dispose();
            foreach (var file in Files)
            {
                if (file is not null)
                {
                    DurableFile.DeleteQuietly(file.TempPath);
                }
            }
        }
    }

    /// <summary>Reports a single upload's bytes on top of the files done before it.</summary>
    private sealed class OffsetProgress(IProgress<long> inner, long offset) : IProgress<long>
    {
        public void Report(long value) => inner.Report(offset + value);
    }
}
