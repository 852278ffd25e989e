using CloudManager.Cache;
using CloudManager.Testing;

namespace CloudManager.Tests.Cache;

/// <summary>The in-memory copies of small hot cached files: bounded, least recently used first out, never a copy of a file that changed.</summary>
public sealed class HotFileMemoryTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private (ContentHash Hash, string Path, byte[] Bytes) NewFile(string name, int length, int seed)
    {
        var path = _folder.WriteRandomFile(name, length, seed);
        var bytes = File.ReadAllBytes(path);
        return (ContentHash.Compute(bytes), path, bytes);
    }

    [Fact]
    public void A_loaded_file_is_served_from_memory_with_its_bytes_and_counted_in_the_bounds()
    {
        var memory = new HotFileMemory(1 << 20, 64 << 10);
        var (hash, path, bytes) = NewFile("a.bin", 10_000, 1);

        Assert.Null(memory.TryGet(hash, path, bytes.Length));
        Assert.Equal(bytes, memory.TryLoad(hash, path, bytes.Length));

        Assert.Equal(bytes, memory.TryGet(hash, path, bytes.Length));
        Assert.Equal(1, memory.Count);
        Assert.Equal(bytes.Length, memory.Bytes);
    }

    [Fact]
    public void Files_over_the_size_limit_empty_files_and_files_of_another_size_than_recorded_are_not_kept()
    {
        var memory = new HotFileMemory(1 << 20, 4096);
        var (atLimit, atLimitPath, _) = NewFile("at-limit.bin", 4096, 2);
        var (over, overPath, _) = NewFile("over.bin", 4097, 3);
        var (empty, emptyPath, _) = NewFile("empty.bin", 0, 4);
        var (other, otherPath, _) = NewFile("other.bin", 1000, 5);

        Assert.NotNull(memory.TryLoad(atLimit, atLimitPath, 4096));
        Assert.Null(memory.TryLoad(over, overPath, 4097));
        Assert.Null(memory.TryLoad(empty, emptyPath, 0));
        Assert.Null(memory.TryLoad(other, otherPath, 999));
        Assert.Null(memory.TryLoad(ContentHash.Compute([1]), _folder.Combine("missing.bin"), 100));

        Assert.Equal(1, memory.Count);
        Assert.Null(memory.TryGet(other, otherPath, 1000));
    }

    [Fact]
    public void A_memory_of_zero_bytes_keeps_nothing()
    {
        var memory = new HotFileMemory(0, 256 << 10);
        var (hash, path, bytes) = NewFile("a.bin", 100, 6);

        Assert.Null(memory.TryLoad(hash, path, bytes.Length));
        Assert.Equal(0, memory.Count);
        Assert.Equal(0, memory.MaxFileSize);
    }

    [Fact]
    public void The_least_recently_used_copies_leave_first_and_the_total_stays_within_the_capacity()
    {
        var memory = new HotFileMemory(30_000, 10_000);
        var files = Enumerable.Range(0, 4).Select(i => NewFile($"f{i}.bin", 10_000, 10 + i)).ToArray();
        foreach (var (hash, path, bytes) in files[..3])
        {
            Assert.NotNull(memory.TryLoad(hash, path, bytes.Length));
        }

        // f0 is used again, so f1 is now the least recently used.
        Assert.NotNull(memory.TryGet(files[0].Hash, files[0].Path, 10_000));
        Assert.NotNull(memory.TryLoad(files[3].Hash, files[3].Path, 10_000));

        Assert.Equal(30_000, memory.Bytes);
        Assert.Equal(3, memory.Count);
        Assert.Null(memory.TryGet(files[1].Hash, files[1].Path, 10_000));
        Assert.All([files[0], files[2], files[3]], f => Assert.Equal(f.Bytes, memory.TryGet(f.Hash, f.Path, 10_000)));
    }

    [Fact]
    public void A_file_larger_than_all_others_together_pushes_out_as_many_as_it_needs()
    {
        var memory = new HotFileMemory(30_000, 30_000);
        var small = Enumerable.Range(0, 3).Select(i => NewFile($"s{i}.bin", 9_000, 20 + i)).ToArray();
        foreach (var (hash, path, bytes) in small)
        {
            Assert.NotNull(memory.TryLoad(hash, path, bytes.Length));
        }

        var (big, bigPath, bigBytes) = NewFile("big.bin", 25_000, 30);
        Assert.NotNull(memory.TryLoad(big, bigPath, bigBytes.Length));

        Assert.Equal(1, memory.Count);
        Assert.Equal(25_000, memory.Bytes);
    }

    public enum Change
    {
        Deleted,
        CutShort,
        ReplacedByRename,
        RewrittenInPlace,
    }

    [Theory]
    [InlineData(Change.Deleted)]
    [InlineData(Change.CutShort)]
    [InlineData(Change.ReplacedByRename)]
    [InlineData(Change.RewrittenInPlace)]
    public void A_copy_of_a_file_that_changed_behind_its_back_is_dropped_not_served(Change change)
    {
        var memory = new HotFileMemory(1 << 20, 64 << 10);
        var (hash, path, bytes) = NewFile("changing.bin", 20_000, 40);
        Assert.NotNull(memory.TryLoad(hash, path, bytes.Length));
        var other = new byte[bytes.Length];
        new Random(41).NextBytes(other);

        switch (change)
        {
            case Change.Deleted:
                File.Delete(path);
                break;
            case Change.CutShort:
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    file.SetLength(10_000);
                }

                break;
            case Change.ReplacedByRename:
                var temp = _folder.Combine("replacement.tmp");
                File.WriteAllBytes(temp, other);
                File.Move(temp, path, overwrite: true);
                break;
            case Change.RewrittenInPlace:
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    file.Write(other);
                }

                // A rewrite moves the modification time; set it apart explicitly so that the test does not depend on the clock's tick.
                File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(-10));
                break;
        }

        Assert.Null(memory.TryGet(hash, path, bytes.Length));
        Assert.Equal(0, memory.Count);
        Assert.Equal(0, memory.Bytes);
    }

    [Fact]
    public void A_removed_copy_is_gone_and_its_bytes_freed()
    {
        var memory = new HotFileMemory(1 << 20, 64 << 10);
        var (hash, path, bytes) = NewFile("removed.bin", 5_000, 50);
        Assert.NotNull(memory.TryLoad(hash, path, bytes.Length));

        memory.Remove(hash);
        memory.Remove(hash);

        Assert.Null(memory.TryGet(hash, path, bytes.Length));
        Assert.Equal(0, memory.Bytes);
    }

    [Fact]
    public async Task Concurrent_loads_reads_and_removals_serve_only_right_bytes_and_keep_the_bounds()
    {
        const int Capacity = 50_000;
        var memory = new HotFileMemory(Capacity, 20_000);
        var files = Enumerable.Range(0, 12).Select(i => NewFile($"c{i}.bin", 5_000 + (i * 1_000), 60 + i)).ToArray();
        var wrong = 0;
        var overCapacity = 0;
        var served = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(
            () =>
            {
                var random = new Random(worker);
                for (var i = 0; i < 3_000; i++)
                {
                    var (hash, path, bytes) = files[random.Next(files.Length)];
                    var roll = random.Next(10);
                    if (roll == 0)
                    {
                        memory.Remove(hash);
                        continue;
                    }

                    var got = memory.TryGet(hash, path, bytes.Length) ?? (roll < 5 ? memory.TryLoad(hash, path, bytes.Length) : null);
                    if (got is not null)
                    {
                        Interlocked.Increment(ref served);
                        if (!got.AsSpan().SequenceEqual(bytes))
                        {
                            Interlocked.Increment(ref wrong);
                        }
                    }

                    if (memory.Bytes > Capacity)
                    {
                        Interlocked.Increment(ref overCapacity);
                    }
                }
            },
            TestContext.Current.CancellationToken)));

        Assert.True(served > 0);
        Assert.Equal(0, wrong);
        Assert.Equal(0, overCapacity);
        var kept = files.Where(f => memory.TryGet(f.Hash, f.Path, f.Bytes.Length) is not null).ToList();
        Assert.Equal(kept.Count, memory.Count);
        Assert.Equal(kept.Sum(f => (long)f.Bytes.Length), memory.Bytes);
    }

    [Fact]
    public async Task Many_callers_loading_one_file_at_once_keep_one_copy()
    {
        var memory = new HotFileMemory(1 << 20, 256 << 10);
        var (hash, path, bytes) = NewFile("hot.bin", 200_000, 70);
        using var start = new Barrier(8);

        // Threads of their own, so that all eight wait at the barrier without starving the thread pool.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                return memory.TryGet(hash, path, bytes.Length) ?? memory.TryLoad(hash, path, bytes.Length);
            },
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

        Assert.All(results.OfType<byte[]>(), r => Assert.Equal(bytes, r));
        Assert.Equal(1, memory.Count);
        Assert.Equal(bytes.Length, memory.Bytes);
    }
}
