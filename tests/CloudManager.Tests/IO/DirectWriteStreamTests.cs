using CloudManager.IO;
using CloudManager.Testing;

namespace CloudManager.Tests.IO;

public sealed class DirectWriteStreamTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    public static TheoryData<int> Lengths => [0, 1, 4095, 4096, 4097, 2 * MiB, (4 * MiB) - 1, 4 * MiB, (4 * MiB) + 1, (5 * MiB) + 7, 9 * MiB, (17 * MiB) + 5];

    [Theory]
    [MemberData(nameof(Lengths))]
    public async Task Writes_of_uneven_sizes_make_a_file_of_exactly_those_bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        var path = _folder.Combine("out.bin");
        var stream = DirectWriteStream.TryCreateNew(path, length);
        Assert.NotNull(stream);
        await using (stream)
        {
            // Chunks that never line up with the stream's blocks or the alignment.
            int[] chunks = [1000, 65_536, MiB + 3, 7];
            var offset = 0;
            for (var i = 0; offset < length; i++)
            {
                var count = Math.Min(chunks[i % chunks.Length], length - offset);
                await stream.WriteAsync(bytes.AsMemory(offset, count), Token);
                offset += count;
            }

            Assert.Equal(length, stream.Length);
            await stream.CompleteAsync(Token);
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(path, Token));
    }

    [Fact]
    public async Task CreateForWrite_takes_direct_writes_for_large_files_only_and_both_flush_to_the_same_bytes()
    {
        var small = DurableFile.CreateForWrite(_folder.Combine("small.bin"), DurableFile.DirectWriteThreshold - 1);
        var large = DurableFile.CreateForWrite(_folder.Combine("large.bin"), DurableFile.DirectWriteThreshold);
        var bytes = new byte[3 * MiB];
        new Random(5).NextBytes(bytes);
        foreach (var stream in new[] { small, large })
        {
            await using (stream)
            {
                await stream.WriteAsync(bytes, Token);
                await DurableFile.FlushToDiskAsync(stream, Token);
            }
        }

        Assert.IsType<FileStream>(small);
        Assert.IsType<DirectWriteStream>(large);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_folder.Combine("small.bin"), Token));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_folder.Combine("large.bin"), Token));
    }

    [Fact]
    public void An_existing_file_or_a_missing_folder_is_refused_as_a_file_stream_would_refuse_it()
    {
        var existing = _folder.WriteRandomFile("there.bin", 10, 1);

        Assert.Throws<IOException>(() => DirectWriteStream.TryCreateNew(existing, 0));
        Assert.Equal(10, new FileInfo(existing).Length);
        Assert.Throws<DirectoryNotFoundException>(() => DirectWriteStream.TryCreateNew(_folder.Combine("missing", "x.bin"), 0));
    }

    [Fact]
    public void The_file_is_locked_while_it_is_written_so_a_sweep_of_abandoned_temp_files_leaves_it_alone()
    {
        var path = _folder.Combine("locked.bin");
        using var stream = DirectWriteStream.TryCreateNew(path, 0);

        Assert.Throws<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None));
    }

    [Fact]
    public void A_disk_too_small_for_the_expected_length_is_refused_at_once_as_full_and_nothing_is_left()
    {
        using var disk = MountedFolder.Tmpfs(_folder.Combine("disk"), MiB);
        var path = Path.Combine(disk.Path, "big.bin");

        var error = Assert.Throws<IOException>(() => DurableFile.CreateForWrite(path, 16 * MiB));

        Assert.Equal(28, error.HResult);
        Assert.False(File.Exists(path));
    }
}
