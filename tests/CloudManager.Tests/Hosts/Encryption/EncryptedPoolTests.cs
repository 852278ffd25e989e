using System.Text;
using CloudManager.Catalog;
using CloudManager.Hosts;
using CloudManager.Hosts.Encryption;
using CloudManager.Testing;

namespace CloudManager.Tests.Hosts.Encryption;

/// <summary>A pool whose three directory hosts are encrypted: what the hosts hold, and damage, swaps and wrong keys through sync, verify and warm-up.</summary>
public sealed class EncryptedPoolTests : IAsyncLifetime
{
    private const string Sentinel = "SENTINEL-plaintext-that-must-never-reach-a-host";
    private readonly PoolHarness _harness = new();
    private readonly EncryptionKeyRing _keys = new([EncryptionKey.CreateNew()]);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private List<IStorageHost> Hosts(EncryptionKeyRing? keys = null) =>
        _harness.HostFolders.Select((path, i) => (IStorageHost)new EncryptedStorageHost(new DirectoryHost($"host-{i + 1}", path), keys ?? _keys, "the test key ring")).ToList();

    private string WriteSentinelFile(string name, int repeats)
    {
        var path = _harness.Folder.Combine(name);
        File.WriteAllText(path, string.Concat(Enumerable.Repeat(Sentinel + name + "\n", repeats)));
        return path;
    }

    private static string[] ObjectsOn(string folder) => [.. HostFolderContent.Files(folder)];

    [Fact]
    public async Task No_plaintext_and_no_hash_appear_anywhere_on_an_encrypted_host()
    {
        var pool = _harness.Open(capacity: 8 << 20, hosts: Hosts());
        var hashes = new List<string>();
        foreach (var (name, repeats) in new[] { ("a.txt", 1), ("b.txt", 3000), ("c.txt", 20_000) })
        {
            hashes.Add(await pool.UploadAsync(WriteSentinelFile(name, repeats), Token));
        }

        var sync = await pool.SyncAsync(Token);
        Assert.Equal(9, sync.CopiesMade);

        foreach (var folder in _harness.HostFolders)
        {
            // Three copies, the identity marker, and the journal segment that names the three files.
            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToList();
            Assert.Equal(5, files.Count);
            Assert.Single(files, f => Path.GetRelativePath(folder, f).StartsWith(MetadataNames.Folder + "/journal/", StringComparison.Ordinal));
            foreach (var file in files)
            {
                var bytes = File.ReadAllBytes(file);
                var asText = Encoding.Latin1.GetString(bytes);
                Assert.DoesNotContain("SENTINEL", asText, StringComparison.Ordinal);
                foreach (var hash in hashes)
                {
                    Assert.DoesNotContain(hash, Path.GetRelativePath(folder, file), StringComparison.OrdinalIgnoreCase);
                    Assert.DoesNotContain(hash, asText, StringComparison.OrdinalIgnoreCase);
                    Assert.True(bytes.AsSpan().IndexOf(Convert.FromHexString(hash)) < 0, $"the hash {hash} is in {file} as bytes");
                }
            }
        }

        foreach (var hash in hashes)
        {
            await pool.EvictAsync(hash, Token);
            var path = await pool.WarmUpAsync(hash, Token);
            Assert.StartsWith(Sentinel, await File.ReadAllTextAsync(path, Token), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_changed_byte_is_a_damaged_copy_for_verify_and_warm_up_uses_the_next_good_copy_and_sync_repairs_it()
    {
        var pool = _harness.Open(hosts: Hosts());
        var source = _harness.WriteFile("a.bin", 150_000, 1);
        var hash = await pool.UploadAsync(source, Token);
        await pool.SyncAsync(Token);
        await pool.EvictAsync(hash, Token);
        foreach (var folder in _harness.HostFolders.Take(2))
        {
            var stored = Assert.Single(ObjectsOn(folder));
            var bytes = File.ReadAllBytes(stored);
            bytes[100_000] ^= 0x01;
            File.WriteAllBytes(stored, bytes);
        }

        Assert.Equal(0, (await pool.VerifyAsync(deep: false, cancellationToken: Token)).LostCopies);
        var deep = await pool.VerifyAsync(deep: true, cancellationToken: Token);
        var copies = deep.Files.Single().Copies;
        Assert.Equal(CopyCheck.Damaged, copies.Single(c => c.HostName == "host-1").Result);
        Assert.Contains("fails authentication", copies.Single(c => c.HostName == "host-1").Detail, StringComparison.Ordinal);
        Assert.Equal(CopyCheck.Damaged, copies.Single(c => c.HostName == "host-2").Result);
        Assert.Equal(CopyCheck.Good, copies.Single(c => c.HostName == "host-3").Result);

        var path = await pool.WarmUpAsync(hash, Token);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(path));

        await pool.SyncAsync(Token);
        Assert.Equal(0, (await pool.VerifyAsync(deep: true, cancellationToken: Token)).LostCopies);
    }

    [Fact]
    public async Task Two_objects_swapped_on_a_host_are_both_damaged_never_served_as_each_other()
    {
        var pool = _harness.Open(hosts: Hosts());
        var a = await pool.UploadAsync(_harness.WriteFile("a.bin", 5000, 1), Token);
        var b = await pool.UploadAsync(_harness.WriteFile("b.bin", 5000, 2), Token);
        await pool.SyncAsync(Token);
        var objects = ObjectsOn(_harness.HostFolders[0]);
        Assert.Equal(2, objects.Length);
        var first = File.ReadAllBytes(objects[0]);
        File.WriteAllBytes(objects[0], File.ReadAllBytes(objects[1]));
        File.WriteAllBytes(objects[1], first);

        var deep = await pool.VerifyAsync(deep: true, cancellationToken: Token);

        foreach (var file in deep.Files)
        {
            var copy = file.Copies.Single(c => c.HostName == "host-1");
            Assert.Equal(CopyCheck.Damaged, copy.Result);
            Assert.Contains("names another object", copy.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(new[] { a, b }.Order(), deep.Files.Select(f => f.Hash.ToString()).Order());
    }

    [Fact]
    public async Task A_wrong_key_makes_the_host_unavailable_with_its_name_and_nothing_is_written()
    {
        var pool = _harness.Open(hosts: Hosts());
        await pool.UploadAsync(_harness.WriteFile("a.bin", 5000, 1), Token);
        await pool.SyncAsync(Token);
        await pool.DisposeAsync();
        var before = _harness.HostFolders.Select(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList()).ToList();

        var hosts = Hosts();
        hosts[1] = new EncryptedStorageHost(new DirectoryHost("host-2", _harness.HostFolders[1]), new EncryptionKeyRing([EncryptionKey.CreateNew()]), "key file /etc/wrong.key");
        var reopened = _harness.Open(hosts: hosts);
        await reopened.UploadAsync(_harness.WriteFile("b.bin", 5000, 2), Token);
        await reopened.SyncAsync(Token);
        var report = await reopened.VerifyAsync(deep: true, cancellationToken: Token);

        var unreachable = report.Files.SelectMany(f => f.Copies).Where(c => c.HostName == "host-2").ToList();
        Assert.NotEmpty(unreachable);
        Assert.All(unreachable, c => Assert.Equal(CopyCheck.Unreachable, c.Result));
        Assert.Contains(unreachable, c => c.Detail is { } detail && detail.Contains("host-2", StringComparison.Ordinal) && detail.Contains("key file /etc/wrong.key does not hold", StringComparison.Ordinal));
        var after = Directory.EnumerateFiles(_harness.HostFolders[1], "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList();
        Assert.Equal(before[1], after);
    }

    [Fact]
    public async Task A_host_set_up_encrypted_but_configured_without_encryption_is_unavailable()
    {
        var pool = _harness.Open(hosts: Hosts());
        await pool.UploadAsync(_harness.WriteFile("a.bin", 5000, 1), Token);
        await pool.SyncAsync(Token);
        await pool.DisposeAsync();

        var hosts = Hosts();
        hosts[0] = new DirectoryHost("host-1", _harness.HostFolders[0]);
        var reopened = _harness.Open(hosts: hosts);
        var report = await reopened.VerifyAsync(cancellationToken: Token);

        var copy = report.Files.Single().Copies.Single(c => c.HostName == "host-1");
        Assert.Equal(CopyCheck.Unreachable, copy.Result);
        Assert.Contains("holds encrypted copies", copy.Detail, StringComparison.Ordinal);
        Assert.Equal(2, report.Files.Single().Copies.Count(c => c.Result == CopyCheck.Good));
    }

    [Fact]
    public async Task A_damaged_cached_file_is_never_stored_on_an_encrypted_host()
    {
        var pool = _harness.Open(hosts: Hosts(), redundancy: 1, minCopies: 1);
        var hash = await pool.UploadAsync(_harness.WriteFile("a.bin", 100_000, 1), Token);
        var cached = Path.Combine(pool.StoragePath, "objects", hash[..2], hash);
        var bytes = File.ReadAllBytes(cached);
        bytes[99_999] ^= 0xff;
        File.SetAttributes(cached, FileAttributes.Normal);
        File.WriteAllBytes(cached, bytes);

        var sync = await pool.SyncAsync(Token);

        Assert.Equal(0, sync.CopiesMade);
        Assert.All(_harness.HostFolders, folder => Assert.Empty(ObjectsOn(folder)));
    }
}
