using CloudManager.IO;
using CloudManager.Replication;
using CloudManager.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CloudManager.Tests.Replication;

/// <summary>
/// The shared read of a cached file on its own: every host reads each block from one small ring, the
/// slowest holds the read back, a host that leaves holds nobody back, and the last block reaches no
/// host unless the whole file is right.
/// </summary>
public sealed class CacheFileBroadcastTests : IDisposable
{
    private const int Block = 4096;
    private const int Ring = 4;
    private static readonly TimeSpan Pending = TimeSpan.FromMilliseconds(200);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _clock = new();
    private int _opens;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_slow_host_holds_the_read_back_to_the_ring_and_both_get_every_byte()
    {
        var (path, bytes) = WriteFile(20 * Block + 17, seed: 1);
        var broadcast = New(path, bytes);
        var fast = broadcast.AddHost();
        var slow = broadcast.AddHost();
        var fastStream = await fast.OpenReadAsync(Token);
        var slowStream = await slow.OpenReadAsync(Token);

        // The fast host reads what the ring holds, and then waits for the slow one.
        var received = new MemoryStream();
        var buffer = new byte[Block];
        while (true)
        {
            var read = fastStream.ReadAsync(buffer, Token).AsTask();
            if (await Task.WhenAny(read, Task.Delay(Pending, Token)) != read)
            {
                Assert.Equal(Ring, broadcast.BlocksRead);
                Assert.Equal(Ring * Block, received.Length);
                // Both read on together: each waits for the other at most the ring's length.
                var slowRead = ReadAllAsync(slowStream, 1000);
                received.Write(buffer, 0, await read);
                received.Write(await ReadAllAsync(fastStream, Block));
                Assert.Equal(bytes, await slowRead);
                Assert.Equal(bytes, received.ToArray());
                break;
            }

            received.Write(buffer, 0, await read);
        }

        fast.Done();
        slow.Done();
        await EventuallyAsync(() => broadcast.RingReturned);
        Assert.Equal(1, _opens);
    }

    [Fact]
    public async Task A_host_leaving_mid_read_is_dropped_and_the_others_read_on()
    {
        var (path, bytes) = WriteFile(30 * Block, seed: 2);
        var broadcast = New(path, bytes);
        var shares = new[] { broadcast.AddHost(), broadcast.AddHost(), broadcast.AddHost() };
        var streams = new List<Stream>();
        foreach (var share in shares)
        {
            streams.Add(await share.OpenReadAsync(Token));
        }

        var buffer = new byte[2 * Block];
        await streams[1].ReadExactlyAsync(buffer, Token);
        shares[1].Done();

        var others = await Task.WhenAll(ReadAllAsync(streams[0], 5000), ReadAllAsync(streams[2], Block));
        Assert.All(others, received => Assert.Equal(bytes, received));
        await Assert.ThrowsAsync<IOException>(async () => await streams[1].ReadExactlyAsync(buffer, Token));
        Assert.Null(shares[1].Mismatch);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("short")]
    [InlineData("long")]
    public async Task Damage_found_at_the_last_block_fails_every_host_before_its_last_byte(string damage)
    {
        var (path, bytes) = WriteFile(9 * Block + 100, seed: 3);
        Damage(path, bytes.Length, damage);
        var broadcast = New(path, bytes);
        var shares = new[] { broadcast.AddHost(), broadcast.AddHost(), broadcast.AddHost() };
        var counts = new long[shares.Length];
        var reads = shares.Select(async (share, i) =>
        {
            var stream = await share.OpenReadAsync(Token);
            var buffer = new byte[1 + (i * 3000)];
            int read;
            while ((read = await stream.ReadAsync(buffer, Token)) > 0)
            {
                counts[i] += read;
            }
        }).ToList();

        foreach (var read in reads)
        {
            await Assert.ThrowsAsync<ContentMismatchException>(() => read);
        }

        Assert.All(counts, c => Assert.True(c < bytes.Length));
        Assert.All(shares, s => Assert.NotNull(s.Mismatch));
    }

    [Fact]
    public async Task A_retry_reads_the_file_on_its_own_and_the_shared_read_goes_on_without_it()
    {
        var (path, bytes) = WriteFile(12 * Block + 5, seed: 4);
        var broadcast = New(path, bytes);
        var retried = broadcast.AddHost();
        var other = broadcast.AddHost();
        var first = await retried.OpenReadAsync(Token);
        var otherStream = await other.OpenReadAsync(Token);
        await first.ReadExactlyAsync(new byte[Block + 1], Token);
        await first.DisposeAsync();

        var again = await retried.OpenReadAsync(Token);

        Assert.IsType<VerifyingReadStream>(again);
        Assert.Equal(bytes, await ReadAllAsync(again, 7000));
        Assert.Equal(bytes, await ReadAllAsync(otherStream, Block));
        Assert.Equal(2, _opens);
        await again.DisposeAsync();
    }

    [Fact]
    public async Task Cancelling_the_sync_fails_every_waiting_host_and_a_host_can_cancel_its_own_wait()
    {
        var (path, bytes) = WriteFile(40 * Block, seed: 5);
        using var sync = new CancellationTokenSource();
        var broadcast = New(path, bytes, sync);
        var reader = broadcast.AddHost();
        var idle = broadcast.AddHost();
        var readerStream = await reader.OpenReadAsync(Token);
        var idleStream = await idle.OpenReadAsync(Token);
        await readerStream.ReadExactlyAsync(new byte[Ring * Block], Token);

        // Its own token: only its read stops.
        using (var own = new CancellationTokenSource(Pending))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await readerStream.ReadExactlyAsync(new byte[Block], own.Token));
        }

        var waiting = readerStream.ReadAsync(new byte[Block], Token).AsTask();
        await Task.Delay(Pending, Token);
        Assert.False(waiting.IsCompleted);
        await sync.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await ReadAllAsync(idleStream, Block));
        Assert.Null(reader.Mismatch);
    }

    [Fact]
    public async Task A_host_that_never_reads_holds_the_others_back_for_the_join_grace_only()
    {
        var (path, bytes) = WriteFile(3 * Block, seed: 6);
        var broadcast = New(path, bytes);
        var prompt = broadcast.AddHost();
        var late = broadcast.AddHost();
        var stream = await prompt.OpenReadAsync(Token);
        var read = ReadAllAsync(stream, Block);
        await Task.Delay(Pending, Token);
        Assert.False(read.IsCompleted);
        Assert.Equal(0, _opens);

        _clock.Advance(CacheFileBroadcast.JoinGrace);

        Assert.Equal(bytes, await read);
        var lateStream = await late.OpenReadAsync(Token);
        Assert.IsType<VerifyingReadStream>(lateStream);
        Assert.Equal(bytes, await ReadAllAsync(lateStream, Block));
        Assert.Equal(2, _opens);
    }

    [Fact]
    public async Task A_lent_block_is_not_refilled_while_its_host_still_holds_it_even_after_it_left()
    {
        var (path, bytes) = WriteFile(4 * Block, seed: 7);
        var broadcast = New(path, bytes, ringBlocks: 1);
        var lender = broadcast.AddHost();
        var other = broadcast.AddHost();
        var lending = (IBlockLendingStream)await lender.OpenReadAsync(Token);
        var otherStream = await other.OpenReadAsync(Token);
        var lent = await lending.LendNextAsync(Token);
        lender.Done();

        var otherRead = ReadAllAsync(otherStream, Block);
        await Task.Delay(Pending, Token);

        Assert.False(otherRead.IsCompleted);
        Assert.Equal(bytes.AsSpan(0, Block), lent.Span);
        await ((Stream)lending).DisposeAsync();
        Assert.Equal(bytes, await otherRead);
    }

    [Fact]
    public async Task A_directory_host_copy_writes_the_lent_blocks_and_stores_the_exact_bytes()
    {
        var (path, bytes) = WriteFile((3 * Block) + 1, seed: 8);
        var broadcast = New(path, bytes);
        var shares = new[] { broadcast.AddHost(), broadcast.AddHost() };
        var copies = await Task.WhenAll(shares.Select(async share =>
        {
            var input = await share.OpenReadAsync(Token);
            await using (input)
            {
                var target = new MemoryStream();
                await DurableFile.CopyAsync(input, target, progress: null, Token);
                share.Done();
                return target.ToArray();
            }
        }));

        Assert.All(copies, copy => Assert.Equal(bytes, copy));
        await EventuallyAsync(() => broadcast.RingReturned);
    }

    [Fact]
    public async Task An_empty_file_is_read_once_and_every_host_gets_nothing_without_error()
    {
        var (path, bytes) = WriteFile(0, seed: 9);
        var broadcast = New(path, bytes);
        var shares = new[] { broadcast.AddHost(), broadcast.AddHost() };
        var streams = new List<Stream>();
        foreach (var share in shares)
        {
            streams.Add(await share.OpenReadAsync(Token));
        }

        foreach (var (share, stream) in shares.Zip(streams))
        {
            Assert.Empty(await ReadAllAsync(stream, Block));
            share.Done();
        }

        Assert.Equal(1, _opens);
        await EventuallyAsync(() => broadcast.RingReturned);
    }

    internal CacheFileBroadcast New(string path, byte[] bytes, CancellationTokenSource? sync = null, int ringBlocks = Ring) =>
        new(path, new ContentRef(ContentHash.Compute(bytes), bytes.Length), () => Interlocked.Increment(ref _opens), _clock, sync?.Token ?? CancellationToken.None, Block, ringBlocks);

    internal (string Path, byte[] Bytes) WriteFile(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var path = _folder.Combine($"file-{seed}-{length}-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, bytes);
        return (path, bytes);
    }

    /// <summary>Damages a file: a byte flipped near the end, its last byte cut, or a byte added.</summary>
    internal static void Damage(string path, int length, string how)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        switch (how)
        {
            case "flip" when length > 0:
                file.Position = length - 1;
                var value = file.ReadByte();
                file.Position = length - 1;
                file.WriteByte((byte)(value ^ 0x5A));
                break;
            case "short" when length > 0:
                file.SetLength(length - 1);
                break;
            default:
                file.SetLength(length + 1);
                break;
        }
    }

    /// <summary>The shared read ends on its own task: its last steps may come just after the hosts'.</summary>
    internal static async Task EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50, Token);
        }

        Assert.True(condition());
    }

    internal static async Task<byte[]> ReadAllAsync(Stream stream, int readSize)
    {
        var received = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return received.ToArray();
    }
}
