using CloudManager.IO;
using CloudManager.Replication;
using CloudManager.Testing;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace CloudManager.Tests.Replication;

/// <summary>
/// Whatever the block size, the ring, the read sizes and the hosts that leave or retry: every host
/// that reads to the end gets exactly the file's bytes, and no host gets the last byte of a damaged file.
/// </summary>
public sealed class CacheFileBroadcastPropertyTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Every_host_that_completes_gets_exactly_the_file_and_none_gets_the_last_byte_of_a_damaged_one()
    {
        var host =
            from readSize in Gen.Frequency((3, Gen.Choose(1, 10_000)), (1, Gen.Choose(1, 16)))
            from lend in Gen.Elements(false, true)
            from leave in Gen.Frequency((4, Gen.Constant(Leaving.Never)), (1, Gen.Constant(Leaving.BeforeOpen)), (2, Gen.Constant(Leaving.Done)), (2, Gen.Constant(Leaving.Dispose)))
            from leaveAt in Gen.Choose(0, 50_000)
            from retry in Gen.Elements(false, true)
            select new HostPlan(readSize, lend, leave, leaveAt, retry);
        var cases =
            from blockSize in Gen.Frequency((3, Gen.Choose(1, 8192)), (1, Gen.Choose(1, 64)))
            from length in Gen.Frequency((1, Gen.Constant(0)), (8, Gen.Choose(1, 40_000)))
            from ring in Gen.Choose(1, 5)
            from damage in Gen.Frequency((3, Gen.Constant("none")), (2, Gen.Constant("flip")), (1, Gen.Constant("short")), (1, Gen.Constant("long")))
            from damageAt in Gen.Choose(0, int.MaxValue)
            from count in Gen.Choose(1, 4)
            from hosts in Gen.ArrayOf(host, count)
            select new Case(blockSize, Math.Min(length, blockSize * 2_000), ring, damage, damageAt, hosts);
        var property = Prop.ForAll(Arb.From(cases), c => RunAsync(c).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(150), property);
    }

    private static async Task<bool> RunAsync(Case c)
    {
        using var folder = new TempFolder();
        var bytes = new byte[c.Length];
        new Random(c.Length ^ c.BlockSize).NextBytes(bytes);
        var path = folder.Combine("cached");
        await File.WriteAllBytesAsync(path, bytes, Token);
        var damaged = c.Damage != "none";
        if (c.Damage == "flip" && c.Length > 0)
        {
            var flipped = (byte[])bytes.Clone();
            flipped[c.DamageAt % c.Length] ^= 0x5A;
            await File.WriteAllBytesAsync(path, flipped, Token);
        }
        else if (damaged)
        {
            CacheFileBroadcastTests.Damage(path, c.Length, c.Damage == "flip" ? "long" : c.Damage);
        }

        var broadcast = new CacheFileBroadcast(
            path, new ContentRef(ContentHash.Compute(bytes), bytes.Length), () => { }, new FakeTimeProvider(), CancellationToken.None, c.BlockSize, c.Ring);
        var shares = c.Hosts.Select(_ => broadcast.AddHost()).ToList();
        var outcomes = await Task.WhenAll(shares.Select((share, i) => RunHostAsync(share, c.Hosts[i], c.Length)).ToList()).WaitAsync(Hang, Token);

        for (var i = 0; i < outcomes.Length; i++)
        {
            var (completed, received, mismatch, left) = outcomes[i];
            var plan = c.Hosts[i];
            if (damaged)
            {
                Assert.False(completed, $"host {i} completed a damaged file");
                Assert.True(received.Length < c.Length || c.Length == 0, $"host {i} got the last byte of a damaged file");
            }
            else
            {
                Assert.False(mismatch, $"host {i} called good bytes damaged");
                // A host leaves at its point only if it reads there before the end (reads and lent blocks come whole).
                Assert.True(!left || (plan.Leave is Leaving.Done or Leaving.Dispose && plan.LeaveAt < c.Length), $"host {i} left though its plan did not say so");
                Assert.Equal(!left || plan.Retry, completed);
            }

            if (completed)
            {
                Assert.Equal(bytes, received);
            }
        }

        return true;
    }

    /// <summary>One host: reads (copied or lent) until the end, or leaves at its point and maybe retries on its own.</summary>
    private static async Task<(bool Completed, byte[] Received, bool Mismatch, bool Left)> RunHostAsync(CacheFileBroadcast.Share share, HostPlan plan, int length)
    {
        var received = new MemoryStream();
        var buffer = new byte[plan.ReadSize];
        try
        {
            if (plan.Leave == Leaving.BeforeOpen)
            {
                share.WillWait();
                return (await ReadOwnAsync(share, received), received.ToArray(), false, false);
            }

            var stream = await share.OpenReadAsync(Token);
            try
            {
                while (true)
                {
                    if (plan.Leave != Leaving.Never && received.Length >= plan.LeaveAt && received.Length < length)
                    {
                        if (plan.Leave == Leaving.Dispose)
                        {
                            await stream.DisposeAsync();
                        }
                        else
                        {
                            share.Done();
                        }

                        if (!plan.Retry)
                        {
                            return (false, received.ToArray(), false, true);
                        }

                        // A retry starts from the first byte, on its own.
                        received.SetLength(0);
                        return (await ReadOwnAsync(share, received), received.ToArray(), false, true);
                    }

                    if (plan.Lend && stream is IBlockLendingStream lending)
                    {
                        var block = await lending.LendNextAsync(Token);
                        if (block.IsEmpty)
                        {
                            return (true, received.ToArray(), false, false);
                        }

                        received.Write(block.Span);
                        continue;
                    }

                    var read = await stream.ReadAsync(buffer, Token);
                    if (read == 0)
                    {
                        return (true, received.ToArray(), false, false);
                    }

                    received.Write(buffer, 0, read);
                }
            }
            finally
            {
                await stream.DisposeAsync();
            }
        }
        catch (ContentMismatchException)
        {
            return (false, received.ToArray(), true, false);
        }
        finally
        {
            share.Done();
        }
    }

    private static async Task<bool> ReadOwnAsync(CacheFileBroadcast.Share share, MemoryStream received)
    {
        var stream = await share.OpenReadAsync(Token);
        await using (stream)
        {
            Assert.IsType<VerifyingReadStream>(stream);
            await stream.CopyToAsync(received, Token);
            return true;
        }
    }

    internal enum Leaving
    {
        Never,
        BeforeOpen,
        Done,
        Dispose,
    }

    internal sealed record HostPlan(int ReadSize, bool Lend, Leaving Leave, int LeaveAt, bool Retry);

    internal sealed record Case(int BlockSize, int Length, int Ring, string Damage, int DamageAt, HostPlan[] Hosts)
    {
        public override string ToString() =>
            $"block {BlockSize}, length {Length}, ring {Ring}, damage {Damage}@{DamageAt}, hosts [{string.Join("; ", Hosts.Select(h => h.ToString()))}]";
    }
}
