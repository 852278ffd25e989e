using System.Diagnostics;
using CloudManager.Testing;

namespace CloudManager.Tests.Reliability;

/// <summary>
/// The machine-fault campaign: a cache disk that fills up, a source file that changes while it is
/// read, an unreadable source, a catalog locked by another process, a read-only cache. Each must end
/// in a clear, typed error and leave the pool consistent once reopened (<see cref="PoolConsistency"/>).
/// </summary>
public sealed class MachineFaultTests(ITestOutputHelper output)
{
    private const int MiB = 1 << 20;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cache_disk_that_fills_up_during_uploads_refuses_with_a_clear_error_and_stays_consistent()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        using var disk = MountedFolder.Tmpfs(harness.Storage, 6 * MiB);
        // The pool believes in 1 GiB; the disk under it holds 6 MiB.
        var pool = harness.Open(capacity: 1L << 30, hosts: []);
        var uploaded = new List<string>();
        CacheStorageException? refusal = null;
        for (var i = 0; i < 20 && refusal is null; i++)
        {
            try
            {
                uploaded.Add(await pool.UploadAsync(harness.WriteFile($"f{i}.bin", MiB, seed: i), Token));
            }
            catch (CacheStorageException e)
            {
                refusal = e;
            }
        }

        Assert.NotNull(refusal);
        output.WriteLine($"{uploaded.Count} uploads, then: {refusal.Message}");
        Assert.Contains("disk is full", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(harness.Storage, refusal.Message, StringComparison.Ordinal);
        await AssertConsistentAfterReopenAsync(harness, pool, uploaded);
    }

    [Fact]
    public async Task A_cache_disk_that_fills_up_during_warm_up_is_not_blamed_on_the_hosts()
    {
        await using var harness = new PoolHarness(hostCount: 3);
        using var disk = MountedFolder.Tmpfs(harness.Storage, 8 * MiB);
        var pool = harness.Open(capacity: 1L << 30);
        var hash = await pool.UploadAsync(harness.WriteFile("a.bin", 3 * MiB, seed: 1), Token);
        await pool.SyncAsync(Token);
        Assert.True(await pool.EvictAsync(hash, Token));
        var filler = Path.Combine(harness.Storage, "filler");
        await File.WriteAllBytesAsync(filler, new byte[new DriveInfo(harness.Storage).AvailableFreeSpace - MiB], Token);

        var error = await Assert.ThrowsAsync<CacheStorageException>(() => pool.WarmUpAsync(hash, Token));

        output.WriteLine(error.Message);
        Assert.Contains("disk is full", error.Message, StringComparison.Ordinal);
        Assert.All(await pool.HostHealthAsync(Token), h => Assert.Equal(0, h.Failures));
        File.Delete(filler);
        Assert.True(File.Exists(await pool.WarmUpAsync(hash, Token)));
        await AssertConsistentAfterReopenAsync(harness, pool, [hash]);
    }

    public static TheoryData<string> SourceChanges => ["shrinks", "grows", "is rewritten", "vanishes"];

    [Theory]
    [MemberData(nameof(SourceChanges))]
    public async Task A_source_file_that_changes_while_it_is_uploaded_is_refused_and_leaves_nothing(string change)
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = harness.Open(capacity: 1L << 30, hosts: []);
        var path = harness.WriteFile("moving.bin", 8 * MiB, seed: 3);
        var original = await File.ReadAllBytesAsync(path, Token);
        var changed = false;
        var progress = new InlineProgress(_ =>
        {
            if (changed)
            {
                return;
            }

            changed = true;
            switch (change)
            {
                case "shrinks":
                    File.WriteAllBytes(path, original[..(2 * MiB)]);
                    break;
                case "grows":
                    using (var stream = new FileStream(path, FileMode.Append))
                    {
                        stream.Write(new byte[3 * MiB]);
                    }

                    break;
                case "is rewritten":
                    // Same length, other bytes near the end, a later write time.
                    using (var stream = new FileStream(path, FileMode.Open))
                    {
                        stream.Position = 7 * MiB;
                        stream.Write(new byte[MiB]);
                    }

                    File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
                    break;
                default:
                    File.Delete(path);
                    break;
            }
        });

        if (change == "vanishes")
        {
            // The open handle reads the whole file: a complete, true copy.
            var hash = await pool.UploadAsync(path, progress, Token);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(original)), hash);
            await AssertConsistentAfterReopenAsync(harness, pool, [hash]);
            return;
        }

        var error = await Assert.ThrowsAsync<SourceChangedException>(() => pool.UploadAsync(path, progress, Token));

        output.WriteLine(error.Message);
        Assert.True(changed);
        Assert.Contains("changed while it was read", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, PoolConsistency.FileCount(harness.Database));
        await AssertConsistentAfterReopenAsync(harness, pool, []);
    }

    [Fact]
    public async Task An_unreadable_source_fails_with_a_clear_error_and_adds_nothing()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = harness.Open(hosts: []);
        // Root reads any file whatever its mode; a folder given as the file is unreadable for everyone.
        var folder = harness.Folder.CreateFolder("not-a-file");

        var error = await Assert.ThrowsAnyAsync<IOException>(() => pool.UploadAsync(folder, Token));

        output.WriteLine(error.Message);
        Assert.Contains(folder, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, PoolConsistency.FileCount(harness.Database));
        await AssertConsistentAfterReopenAsync(harness, pool, []);
    }

    [Fact]
    public async Task A_source_whose_device_reports_an_io_error_is_refused_with_a_clear_error_and_adds_nothing()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = harness.Open(hosts: []);
        var good = await pool.UploadAsync(harness.WriteFile("good.bin", 1000, seed: 1), Token);
        // A real EIO from the kernel: reading this process's memory at offset 0, an address never
        // mapped, fails with EIO. It stands in a folder being uploaded as a symbolic link.
        var folder = harness.Folder.CreateFolder("to-upload");
        var failing = Path.Combine(folder, "failing.bin");
        File.CreateSymbolicLink(failing, "/proc/self/mem");

        var error = await Assert.ThrowsAsync<SourceUnreadableException>(() => pool.UploadAsync(failing, Token));

        output.WriteLine(error.Message);
        Assert.Equal(5, error.InnerException!.HResult);
        Assert.Contains(failing, error.Message, StringComparison.Ordinal);
        Assert.Contains("I/O error (EIO)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, PoolConsistency.FileCount(harness.Database));
        await AssertInvariantsAfterReopenAsync(harness, pool, harness.Database, [good]);
    }

    [Fact]
    public async Task A_full_disk_under_the_catalog_is_a_clear_catalog_error_and_the_upload_can_be_retried_once_space_is_freed()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        using var disk = MountedFolder.Tmpfs(harness.Folder.Combine("catalog-disk"), MiB);
        var catalog = Path.Combine(disk.Path, "catalog.db");
        var pool = harness.Open(hosts: [], database: catalog, capacity: 1L << 30);
        var uploaded = new List<string> { await pool.UploadAsync(harness.WriteFile("first.bin", 1000, seed: 1), Token) };
        // Leave the catalog a few pages: the uploads that follow fill the rest.
        var filler = Path.Combine(disk.Path, "filler");
        await File.WriteAllBytesAsync(filler, new byte[new DriveInfo(disk.Path).AvailableFreeSpace - (64 << 10)], Token);

        CatalogStorageException? full = null;
        string? refused = null;
        for (var i = 0; i < 200 && full is null; i++)
        {
            var path = harness.WriteFile($"f{i}.bin", 1000, seed: 100 + i);
            try
            {
                uploaded.Add(await pool.UploadAsync(path, Token));
            }
            catch (CatalogStorageException e)
            {
                (full, refused) = (e, path);
            }
        }

        Assert.NotNull(full);
        output.WriteLine($"{uploaded.Count} uploads, then: {full.Message}");
        Assert.True(full.IsTransient);
        Assert.Contains("disk under it is full", full.Message, StringComparison.Ordinal);
        Assert.Contains(catalog, full.Message, StringComparison.Ordinal);
        // No cached file without its row: the refused file left the cache at once, before any reopening.
        Assert.Equal(uploaded.Count, Directory.EnumerateFiles(Path.Combine(harness.Storage, "objects"), "*", SearchOption.AllDirectories).Count());

        // An import on the full disk is refused whole.
        var records = string.Join(',', Enumerable.Range(0, 500).Select(i => HostileDocuments.Record(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))))));
        var importError = await Assert.ThrowsAsync<CatalogStorageException>(() => pool.DataLoadAsync($"[{records}]", "peer", Token));
        output.WriteLine(importError.Message);

        File.Delete(filler);
        await AssertInvariantsAfterReopenAsync(harness, pool, catalog, uploaded);
        var retried = harness.Open(hosts: [], database: catalog, capacity: 1L << 30);
        uploaded.Add(await retried.UploadAsync(refused!, Token));
        Assert.Equal(500, await retried.DataLoadAsync($"[{records}]", "peer", Token));
        await AssertInvariantsAfterReopenAsync(harness, retried, catalog, uploaded);
    }

    [Fact]
    public async Task A_catalog_locked_by_another_process_times_out_with_a_clear_error_and_no_damage()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = harness.Open(hosts: [], database: $"Data Source={harness.Database};Default Timeout=1");
        var first = await pool.UploadAsync(harness.WriteFile("before.bin", 1000, seed: 1), Token);
        var before = PoolConsistency.Snapshot(harness.Database);
        CatalogException error;
        using (var locker = SqliteShell.HoldExclusiveTransaction(harness.Database))
        {
            var stopwatch = Stopwatch.StartNew();
            error = await Assert.ThrowsAsync<CatalogException>(() => pool.UploadAsync(harness.WriteFile("during.bin", 1000, seed: 2), Token));
            output.WriteLine($"after {stopwatch.Elapsed.TotalSeconds:F1} s: {error.Message}");
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20));
        }

        Assert.True(error.IsTransient);
        Assert.Contains("busy", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, PoolConsistency.Snapshot(harness.Database));
        var second = await pool.UploadAsync(harness.WriteFile("after.bin", 1000, seed: 3), Token);
        Assert.Equal("ok", SqliteShell.Query(harness.Database, "PRAGMA integrity_check;"));
        await AssertConsistentAfterReopenAsync(harness, pool, [first, second]);
    }

    [Fact]
    public async Task A_batch_the_locked_catalog_cannot_record_leaves_the_cache_at_once()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var pool = harness.Open(hosts: [], database: $"Data Source={harness.Database};Default Timeout=1");
        var first = await pool.UploadAsync(harness.WriteFile("before.bin", 1000, seed: 1), Token);
        var paths = Enumerable.Range(0, 5).Select(i => harness.WriteFile($"small-{i}.bin", 2000, seed: 10 + i)).ToList();
        using (var locker = SqliteShell.HoldExclusiveTransaction(harness.Database))
        {
            var error = await Assert.ThrowsAsync<CatalogException>(() => pool.UploadFilesAsync(paths, null, null, Token));
            output.WriteLine(error.Message);
        }

        // No cached file without its row, before any reopening: the batch's files left the cache with the refusal.
        Assert.Single(Directory.EnumerateFiles(Path.Combine(harness.Storage, "objects"), "*", SearchOption.AllDirectories));
        var hashes = paths.Select(p => ContentHash.Compute(File.ReadAllBytes(p)).ToString()).ToList();
        Assert.Equal(hashes, await pool.UploadFilesAsync(paths, null, null, Token));
        await AssertConsistentAfterReopenAsync(harness, pool, [first, .. hashes]);
    }

    [Fact]
    public async Task A_read_only_cache_is_refused_at_once_with_a_clear_error_and_nothing_changes()
    {
        await using var harness = new PoolHarness(hostCount: 0);
        using var disk = MountedFolder.Tmpfs(harness.Storage, 8 * MiB);
        var pool = harness.Open(hosts: []);
        var held = await pool.UploadAsync(harness.WriteFile("held.bin", 1000, seed: 1), Token);
        await pool.DisposeAsync();
        var before = PoolConsistency.Snapshot(harness.Database);
        disk.RemountReadOnly();
        try
        {
            var reopened = harness.Open(hosts: []);
            var stopwatch = Stopwatch.StartNew();
            // The pool keeps its lock and temp files in the cache folder: it cannot open there at all.
            var error = await Assert.ThrowsAsync<CacheStorageException>(() => reopened.UploadAsync(harness.WriteFile("new.bin", 1000, seed: 2), Token));
            output.WriteLine($"after {stopwatch.Elapsed.TotalSeconds:F1} s: {error.Message}");
            Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), "a read-only cache was taken for another process's lock");
            await reopened.DisposeAsync();
        }
        finally
        {
            disk.RemountReadWrite();
        }

        Assert.Equal(before, PoolConsistency.Snapshot(harness.Database));
        await AssertConsistentAfterReopenAsync(harness, harness.Open(hosts: []), [held]);
    }

    /// <summary>Closes the pool, opens it again (which cleans up leftovers) and checks every invariant.</summary>
    private static async Task AssertConsistentAfterReopenAsync(PoolHarness harness, CloudPool pool, IReadOnlyList<string> uploaded)
    {
        var limit = pool.CacheLimit;
        var hosts = pool.Hosts.Count == 0 ? [] : harness.NewHosts();
        await pool.DisposeAsync();
        var reopened = harness.Open(capacity: pool.Capacity, hosts: hosts);
        // Opening the cache (not only the catalog) is what reconciles the folder with the catalog.
        await reopened.GetReconciliationAsync(Token);
        foreach (var hash in uploaded)
        {
            Assert.True(await reopened.ExistsAsync(hash, Token), $"{hash} was reported uploaded but the catalog lost it");
        }

        await reopened.DisposeAsync();
        PoolConsistency.AssertConsistent(harness.Database, harness.Storage, limit);
    }

    /// <summary>Closes the pool and checks every invariant of <see cref="PoolInvariants"/> after reopening it.</summary>
    private async Task AssertInvariantsAfterReopenAsync(PoolHarness harness, CloudPool pool, string catalog, IReadOnlyCollection<string> uploaded)
    {
        await pool.DisposeAsync();
        var report = await PoolInvariants.CheckAsync(
            new PoolUnderCheck(catalog, harness.Storage, new Dictionary<string, string>(), pool.Capacity, pool.Options.MaxFill, pool.Options.MinCopies) { ReportedUploads = uploaded },
            Token);
        output.WriteLine($"after reopening: {report.CatalogFiles} file(s) in the catalog, {report.CachedFiles} cached, clean: {report.Reconciliation.WasClean}");
        Assert.True(report.Holds, string.Join("\n", report.Violations));
    }

    /// <summary>Reports on the calling thread, so a test can act at an exact point of a copy.</summary>
    private sealed class InlineProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
