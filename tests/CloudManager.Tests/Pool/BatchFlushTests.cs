using System.Runtime.InteropServices;
using CloudManager.IO;
using CloudManager.Testing;

namespace CloudManager.Tests.Pool;

/// <summary>
/// The two ways a batch of small files is made durable (one <c>syncfs</c> of the cache's file system,
/// or one <c>fsync</c> per file and folder) give the same pool, and a failed flush records nothing.
/// </summary>
public sealed class BatchFlushTests : IAsyncDisposable
{
    private const int IoError = 5;

    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    /// <summary>Whether this machine's cache folder gets the flush of the whole file system: Linux 5.8 or later, on a file system known to support it.</summary>
    private bool FileSystemFlushExpected =>
        FileSystemFlush.SystemSupported && new DriveInfo(_harness.Folder.Path).DriveFormat is "ext2" or "ext3" or "ext4" or "xfs" or "btrfs";

    private PoolUnderCheck Under(CloudPool pool, IReadOnlyCollection<string> reported) => new(
        _harness.Database,
        _harness.Storage,
        _harness.HostFolders.Select((path, i) => (Name: $"host-{i + 1}", Path: path)).ToDictionary(h => h.Name, h => h.Path, StringComparer.Ordinal),
        pool.Capacity)
    { ReportedUploads = reported };

    private string[] TempFiles() =>
        Directory.Exists(Path.Combine(_harness.Storage, "tmp"))
            ? Directory.GetFiles(Path.Combine(_harness.Storage, "tmp"), "*.partial", SearchOption.AllDirectories)
            : [];

    private List<string> SmallFiles(int count, int seed) =>
        Enumerable.Range(0, count).Select(i => _harness.WriteFile($"s-{seed}-{i:D4}.bin", 4_096, seed + i)).ToList();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Either_flush_records_every_file_with_its_bytes_in_place(bool wholeFileSystem)
    {
        var pool = _harness.Open(capacity: 64L << 20);
        var used = new List<bool>();
        pool.BeginBatchFlush = root =>
        {
            var flush = BatchFlush.Begin(root, wholeFileSystem);
            lock (used)
            {
                used.Add(flush.FlushesFileSystem);
            }

            return flush;
        };
        var paths = SmallFiles(CloudPool.FilesPerBatch + 20, 1_000);

        var hashes = await pool.UploadFilesAsync(paths, null, null, Token);

        Assert.Equal(paths.Select(p => ContentHash.Compute(File.ReadAllBytes(p)).ToString()), hashes);
        Assert.Equal(2, used.Count);
        Assert.All(used, u => Assert.Equal(wholeFileSystem && FileSystemFlushExpected, u));
        Assert.Empty(TempFiles());
        await pool.DisposeAsync();
        var report = await PoolInvariants.CheckAsync(Under(pool, hashes.ToList()), Token);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(paths.Count, report.CachedFiles);
    }

    [Fact]
    public async Task A_batch_ends_at_its_byte_limit()
    {
        var pool = _harness.Open(capacity: 64L << 20);
        pool.BatchByteLimit = 40_000;
        var batches = 0;
        pool.BeginBatchFlush = root =>
        {
            Interlocked.Increment(ref batches);
            return BatchFlush.Begin(root);
        };
        var paths = SmallFiles(25, 3_000);

        var hashes = await pool.UploadFilesAsync(paths, null, null, Token);

        // 4,096 bytes a file: a batch ends after its tenth file (40,960 bytes), so 10 + 10 + 5.
        Assert.Equal(3, batches);
        Assert.Equal(paths.Select(p => ContentHash.Compute(File.ReadAllBytes(p)).ToString()), hashes);
        await pool.DisposeAsync();
        var report = await PoolInvariants.CheckAsync(Under(pool, hashes.ToList()), Token);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(paths.Count, report.CachedFiles);
    }

    [Fact]
    public void The_file_system_flush_applies_where_syncfs_reports_writeback_errors_and_not_on_tmpfs()
    {
        using (var flush = FileSystemFlush.TryBegin(_harness.Folder.Path))
        {
            Assert.Equal(FileSystemFlushExpected, flush is not null);
        }

        if (OperatingSystem.IsLinux() && Directory.Exists("/dev/shm") && new DriveInfo("/dev/shm").DriveFormat == "tmpfs")
        {
            // tmpfs is not on the list: it gets the per-file flush, as any file system not known to qualify.
            Assert.Null(FileSystemFlush.TryBegin("/dev/shm"));
            Assert.False(BatchFlush.Begin("/dev/shm").FlushesFileSystem);
        }
    }

    [Fact]
    public async Task A_failed_syncfs_fails_every_file_of_the_flush_and_a_failed_folder_flush_throws()
    {
        var calls = 0;
        using var flush = FileSystemFlush.TryBegin(_harness.Folder.Path, fd =>
        {
            calls++;
            Assert.True(fd >= 0);
            Marshal.SetLastPInvokeError(IoError);
            return -1;
        });
        Assert.Equal(FileSystemFlushExpected, flush is not null);
        if (flush is null)
        {
            // Elsewhere the per-file flush applies: its failures are covered by the pool tests below.
            return;
        }

        var failed = new List<(int Index, IOException Error)>();

        await flush.FlushFilesAsync(["a", "b", "c"], (i, e) => failed.Add((i, e)), Token);
        var folderError = await Assert.ThrowsAsync<IOException>(() => flush.FlushFoldersAsync([_harness.Folder.Path]));

        Assert.Equal([0, 1, 2], failed.Select(f => f.Index).Order());
        Assert.All(failed, f => Assert.Equal(IoError, f.Error.HResult));
        Assert.Equal(IoError, folderError.HResult);
        Assert.Equal(2, calls);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task A_batch_whose_file_or_folder_flush_fails_is_recorded_not_at_all_and_leaves_no_temp_file(bool wholeFileSystem, bool folders)
    {
        var pool = _harness.Open(capacity: 64L << 20);
        pool.BeginBatchFlush = root => new FaultyFlush(BatchFlush.Begin(root, wholeFileSystem), failFiles: !folders, failFolders: folders);
        var paths = SmallFiles(30, folders ? 3_000 : 2_000);
        var reported = new List<int>();

        var error = await Assert.ThrowsAsync<IOException>(() => pool.UploadFilesAsync(paths, (i, _) => reported.Add(i), null, Token));

        Assert.Equal(IoError, error.HResult);
        Assert.Empty(reported);
        foreach (var path in paths)
        {
            Assert.False(await pool.ExistsAsync(ContentHash.Compute(File.ReadAllBytes(path)).ToString(), Token));
        }

        Assert.Empty(TempFiles());
        await pool.DisposeAsync();
        var report = await PoolInvariants.CheckAsync(Under(pool, []), Token);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(0, report.CachedFiles);
    }

    /// <summary>A real flush whose outcome is then reported as a disk error (EIO): fault injection.</summary>
    private sealed class FaultyFlush(IBatchFlush inner, bool failFiles = false, bool failFolders = false) : IBatchFlush
    {
        public bool FlushesFileSystem => inner.FlushesFileSystem;

        public async Task FlushFilesAsync(IReadOnlyList<string> paths, Action<int, IOException> failed, CancellationToken cancellationToken)
        {
            await inner.FlushFilesAsync(paths, failed, cancellationToken);
            if (failFiles)
            {
                for (var i = 0; i < paths.Count; i++)
                {
                    failed(i, new IOException("Injected flush failure.", IoError));
                }
            }
        }

        public async Task FlushFoldersAsync(IReadOnlyList<string> folders)
        {
            await inner.FlushFoldersAsync(folders);
            if (failFolders)
            {
                throw new IOException("Injected folder flush failure.", IoError);
            }
        }

        public void Dispose() => inner.Dispose();
    }
}
