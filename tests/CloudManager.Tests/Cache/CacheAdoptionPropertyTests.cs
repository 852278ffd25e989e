using System.Security.Cryptography;
using CloudManager.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Cache;

/// <summary>
/// Random cache contents (good files, corrupted files, misnamed files, temp leftovers) beside random
/// catalog knowledge (a file cached, registered without an entry, unknown; or a new catalog): after
/// the pool opens, no file's bytes have disappeared: each good file is in <c>objects/</c> and
/// registered, each bad one is in quarantine, only temp files named as the pool names them are gone.
/// </summary>
public sealed class CacheAdoptionPropertyTests
{
    private enum Knowledge
    {
        Unknown,
        Registered,
        Cached,
    }

    private enum Content
    {
        Good,
        Corrupt,
        Misnamed,
    }

    private sealed record Entry(Knowledge Knowledge, Content Content, int Size);

    private sealed record Case(Entry[] Files, int TempLeftovers, bool StrangerInTemp, bool FreshCatalog);

    private static Gen<Case> CaseGen =>
        from files in Gen.ListOf(
            from knowledge in Gen.Elements(Knowledge.Unknown, Knowledge.Registered, Knowledge.Cached)
            from content in Gen.Frequency((5, Gen.Constant(Content.Good)), (2, Gen.Constant(Content.Corrupt)), (1, Gen.Constant(Content.Misnamed)))
            from size in Gen.Choose(1, 5000)
            select new Entry(knowledge, content, size))
        from temps in Gen.Choose(0, 3)
        from stranger in Gen.Elements(true, false)
        from fresh in Gen.Frequency((1, Gen.Constant(true)), (2, Gen.Constant(false)))
        select new Case([.. files.Take(12)], temps, stranger, fresh);

    [Fact]
    public void Opening_never_makes_a_cached_files_bytes_disappear()
    {
        var property = Prop.ForAll(Arb.From(CaseGen), c => RunAsync(c).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30), property);
    }

    private static async Task<bool> RunAsync(Case testCase)
    {
        await using var harness = new PoolHarness(hostCount: 0);
        var good = new List<(string Hash, byte[] Bytes)>();
        var bad = new List<byte[]>();

        // Files the catalog is to know go in through the pool; the entry of a registered one is then removed.
        var pool = harness.Open(hosts: []);
        var node = await pool.GetNodeIdAsync();
        for (var i = 0; i < testCase.Files.Length; i++)
        {
            var (knowledge, content, size) = testCase.Files[i];
            var bytes = Bytes(i, size);
            var hash = ContentHash.Compute(bytes).ToString();
            var path = Path.Combine(harness.Storage, "objects", hash[..2], hash);
            if (knowledge != Knowledge.Unknown)
            {
                var source = harness.Folder.Combine($"f{i}");
                await File.WriteAllBytesAsync(source, bytes);
                await pool.UploadAsync(source);
                if (knowledge == Knowledge.Registered)
                {
                    await pool.Catalog.RemoveCacheEntryAsync(node, ContentHash.Parse(hash), null, CancellationToken.None);
                }
            }

            switch (content)
            {
                case Content.Good:
                    CacheFiles.Write(harness.Storage, Path.Combine("objects", hash[..2], hash), bytes);
                    good.Add((hash, bytes));
                    break;
                case Content.Corrupt:
                    // A cached file keeps its entry when its size still matches (opening does not hash those): change its size.
                    var damaged = knowledge == Knowledge.Cached ? [.. bytes, 0x5A] : Flip(bytes);
                    CacheFiles.Write(harness.Storage, Path.Combine("objects", hash[..2], hash), damaged);
                    bad.Add(damaged);
                    break;
                case Content.Misnamed:
                    if (File.Exists(path))
                    {
                        File.Delete(path);
                    }

                    CacheFiles.Write(harness.Storage, Path.Combine("objects", hash[..2], $"copy of {i}.bin"), bytes);
                    bad.Add(bytes);
                    break;
            }
        }

        await pool.DisposeAsync();
        var dead = Directory.CreateDirectory(Path.Combine(harness.Storage, "tmp", Guid.NewGuid().ToString("N"))).FullName;
        var temps = Enumerable.Range(0, testCase.TempLeftovers).Select(_ => CacheFiles.Write(dead, $"{Guid.NewGuid():N}.partial", [1, 2, 3])).ToList();
        var stranger = testCase.StrangerInTemp ? CacheFiles.Write(dead, "keep-me.txt", [4, 5, 6]) : null;
        var before = CacheFiles.Contents(harness.Storage);

        var reopened = testCase.FreshCatalog ? harness.Open(hosts: [], database: harness.Folder.Combine("fresh.db")) : harness.Open(hosts: []);
        var report = await reopened.GetReconciliationAsync();

        Assert.Equal(before, CacheFiles.Contents(harness.Storage));
        foreach (var (hash, bytes) in good)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(harness.Storage, "objects", hash[..2], hash)));
            Assert.True(await reopened.OnCacheAsync(hash), $"{hash} is cached and registered");
        }

        var quarantined = Directory.Exists(Path.Combine(harness.Storage, "quarantine"))
            ? Directory.GetFiles(Path.Combine(harness.Storage, "quarantine")).Select(f => Sha(File.ReadAllBytes(f))).Order(StringComparer.Ordinal).ToList()
            : [];
        Assert.Equal(bad.Select(Sha).Order(StringComparer.Ordinal), quarantined);
        Assert.Equal(bad.Count, report.Quarantined.Count);
        Assert.Equal(good.Sum(g => (long)g.Bytes.Length), await reopened.UsedSpaceAsync());
        Assert.All(temps, t => Assert.False(File.Exists(t)));
        Assert.Equal(temps.Count, report.TempFilesRemoved);
        if (stranger is not null)
        {
            Assert.Equal([4, 5, 6], File.ReadAllBytes(stranger));
        }

        return true;
    }

    /// <summary>Content unique to its index (the index leads), of the given size.</summary>
    private static byte[] Bytes(int index, int size)
    {
        var bytes = new byte[Math.Max(size, 4)];
        new Random(index * 7919 + size).NextBytes(bytes);
        BitConverter.TryWriteBytes(bytes, index);
        return bytes;
    }

    private static byte[] Flip(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[^1] ^= 0xFF;
        return copy;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
