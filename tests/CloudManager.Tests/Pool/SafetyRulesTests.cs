using CloudManager.Catalog;
using CloudManager.Exchange;
using CloudManager.Hosts;
using CloudManager.Testing;
using CloudManager.Tests.Catalog;

namespace CloudManager.Tests.Pool;

/// <summary>
/// The rules that keep the catalog's beliefs from destroying files, tried the way a hostile peer, a
/// careless admin and an unmounted disk would, on every catalog backend: copies count only where a host
/// with the right identity shows them, hosts are known by the marker written on them, nodes share claims
/// on copies, and a file with nothing left is reported lost.
/// </summary>
public abstract class SafetyRulesTests : IAsyncLifetime
{
    protected PoolHarness Harness { get; } = new();

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A catalog instance on this test's database, or null for the harness's SQLite file.</summary>
    protected abstract Task<ICatalog?> CatalogAsync();

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => Harness.DisposeAsync();

    private async Task<CloudPool> OpenAsync(IReadOnlyList<IStorageHost>? hosts = null, int minCopies = 2, string? storage = null) =>
        Harness.Open(minCopies: minCopies, hosts: hosts, storage: storage, catalog: await CatalogAsync());

    private string CopyPath(int host, string hash) => Path.Combine(Harness.HostFolders[host], hash[..2], hash);

    private List<FaultyHost> Hosts(params (string Name, string Folder)[] hosts) =>
        [.. hosts.Select(h => new FaultyHost(new DirectoryHost(h.Name, h.Folder)))];

    /// <summary>The file's stored copies as the opened pool sees them.</summary>
    private static async Task<int> StoredCopiesAsync(CloudPool pool, string hash) => (await pool.FindFileAsync(hash, Token))!.StoredCopies;

    private async Task<(CloudPool Pool, string Hash)> SyncedFileAsync(int length = 40_000)
    {
        var pool = await OpenAsync();
        var hash = await pool.UploadAsync(Harness.WriteFile("a.bin", length, 1), Token);
        await pool.SyncAsync(Token);
        Assert.Equal(3, await StoredCopiesAsync(pool, hash));
        return (pool, hash);
    }

    [Fact]
    public async Task A_hostile_record_never_makes_an_unsynced_file_safe_and_nothing_evicts_it()
    {
        var pool = await OpenAsync();
        var source = Harness.WriteFile("only-copy.bin", 40_000, 7);
        var hash = await pool.UploadAsync(source, Token);
        var record = (await pool.InfoAsync(hash, Token))!;
        var hostile = record with
        {
            Uploads = [new UploadLink("host-1", "file:///x"), new UploadLink("host-2", "file:///y"), new UploadLink("host-3", "file:///z"), new UploadLink("elsewhere", "https://e/1")],
        };
        Assert.Equal(1, await pool.DataLoadAsync($"[{hostile.ToJson()}]", "peer-1", Token));

        Assert.Equal(0, await StoredCopiesAsync(pool, hash));
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.EvictAsync(hash, Token));

        // Uploads that need room may evict only safe files: this one stays, and the uploads are refused.
        for (var i = 0; i < 30; i++)
        {
            try
            {
                await pool.UploadAsync(Harness.WriteFile($"filler-{i}.bin", 40_000, 100 + i), Token);
            }
            catch (CacheFullException)
            {
            }
        }

        Assert.True(await pool.OnCacheAsync(hash, Token));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(await pool.WarmUpAsync(hash, Token)));

        // A sync looks where the record said, finds nothing there, forgets the links and makes real copies.
        await pool.SyncAsync(Token);
        Assert.Equal(3, await StoredCopiesAsync(pool, hash));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(CopyPath(i, hash))));
        var hints = await pool.Catalog.GetCopyHintsAsync(ContentHash.Parse(hash), Token);
        Assert.Equal(["elsewhere"], hints.Select(h => h.HostName));
    }

    [Fact]
    public async Task Hosts_that_are_one_place_nested_or_inside_the_cache_are_refused_naming_both()
    {
        var folder = Harness.HostFolders[0];
        var link = Harness.Folder.Combine("link-to-host-1");
        File.CreateSymbolicLink(link, folder);
        foreach (var (other, what) in new[] { (folder + "/./", "written another way"), (link, "a link to it"), (Path.Combine(folder, "inner"), "nested") })
        {
            var pool = await OpenAsync(Hosts(("first", folder), ("second", other)), minCopies: 1);
            var error = await Assert.ThrowsAsync<HostConfigurationException>(() => pool.ListFilesAsync(cancellationToken: Token));
            Assert.True(error.Message.Contains("'first'", StringComparison.Ordinal) && error.Message.Contains("'second'", StringComparison.Ordinal), $"{what}: {error.Message}");
            await pool.DisposeAsync();
        }

        var inCache = await OpenAsync(Hosts(("inside", Path.Combine(Harness.Storage, "hosted"))), minCopies: 1);
        var refused = await Assert.ThrowsAsync<HostConfigurationException>(() => inCache.ListFilesAsync(cancellationToken: Token));
        Assert.Contains("'inside'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("cache", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_hosts_with_one_identity_are_refused_naming_both()
    {
        var (pool, _) = await SyncedFileAsync();
        await pool.DisposeAsync();
        var twin = Harness.Folder.CreateFolder("twin");
        File.Copy(Path.Combine(Harness.HostFolders[0], HostMarker.ObjectName), Path.Combine(twin, HostMarker.ObjectName));

        var reopened = await OpenAsync(Hosts(("host-1", Harness.HostFolders[0]), ("host-2", Harness.HostFolders[1]), ("twin", twin)));
        var error = await Assert.ThrowsAsync<HostConfigurationException>(() => reopened.SyncAsync(Token));
        Assert.Contains("'host-1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'twin'", error.Message, StringComparison.Ordinal);
        Assert.Equal([HostMarker.ObjectName], Directory.EnumerateFileSystemEntries(twin).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Copies_on_a_host_removed_from_the_config_stop_counting_and_count_again_when_it_returns()
    {
        var (pool, hash) = await SyncedFileAsync();
        await pool.DisposeAsync();

        // Opening the pool (any command that does) tells the catalog which hosts this node has now.
        var fewer = await OpenAsync(Hosts(("host-1", Harness.HostFolders[0]), ("host-4", Harness.Folder.CreateFolder("host-4"))));
        Assert.Equal("pending", (await fewer.ListFilesAsync(cancellationToken: Token)).Single().File.StoredCopies >= 2 ? "safe" : "pending");
        Assert.Equal(1, await StoredCopiesAsync(fewer, hash));
        await Assert.ThrowsAsync<InvalidOperationException>(() => fewer.EvictAsync(hash, Token));
        await fewer.DisposeAsync();

        var all = await OpenAsync();
        await all.GetStatusAsync(Token);
        Assert.Equal(3, await StoredCopiesAsync(all, hash));
        Assert.True(await all.EvictAsync(hash, Token));
    }

    [Fact]
    public async Task A_renamed_host_keeps_its_copies()
    {
        var (pool, hash) = await SyncedFileAsync();
        await pool.DisposeAsync();
        var renamed = Hosts(("disk-a", Harness.HostFolders[0]), ("disk-b", Harness.HostFolders[1]), ("disk-c", Harness.HostFolders[2]));

        var reopened = await OpenAsync(renamed);
        var sync = await reopened.SyncAsync(Token);

        Assert.Equal(0, sync.CopiesMade);
        Assert.All(renamed, h => Assert.Equal(0, h.Uploads));
        Assert.Equal(3, await StoredCopiesAsync(reopened, hash));
        Assert.Equal(["disk-a", "disk-b", "disk-c"], (await reopened.InfoAsync(hash, Token))!.Uploads.Select(u => u.HostName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_host_that_carries_another_identity_holds_none_of_the_old_copies()
    {
        var (pool, hash) = await SyncedFileAsync();
        await pool.DisposeAsync();
        var third = Harness.HostFolders[2];
        Directory.Delete(third, recursive: true);
        Directory.CreateDirectory(third);
        await using (var otherDisk = new DirectoryHost("host-3", third))
        {
            await otherDisk.CreateMarkerAsync(HostMarker.CreateNew(TimeProvider.System, "directory"), Token);
        }

        var hosts = Hosts(("host-1", Harness.HostFolders[0]), ("host-2", Harness.HostFolders[1]), ("host-3", third));
        var reopened = await OpenAsync(hosts);
        await reopened.SyncAsync(Token);

        Assert.Equal(1, hosts[2].Uploads);
        Assert.True(File.Exists(CopyPath(2, hash)));
        Assert.Equal(3, await StoredCopiesAsync(reopened, hash));
    }

    [Fact]
    public async Task An_unmounted_host_is_unavailable_and_is_never_initialised_again_by_itself()
    {
        var (pool, hash) = await SyncedFileAsync();
        await pool.DisposeAsync();
        var mountPoint = Harness.HostFolders[2];
        foreach (var entry in Directory.EnumerateFileSystemEntries(mountPoint))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }

        var reopened = await OpenAsync();
        var report = await reopened.VerifyAsync(cancellationToken: Token);
        Assert.Equal(CopyCheck.Unreachable, report.Files.Single().Copies.Single(c => c.HostName == "host-3").Result);
        Assert.Equal(0, report.LostCopies);
        await reopened.SyncAsync(Token);
        Assert.Empty(Directory.EnumerateFileSystemEntries(mountPoint));

        // The admin says it is a new, empty place: the old copies no longer count and the next sync fills it.
        var marker = await reopened.InitializeHostAsync("host-3", Token);
        Assert.Equal(2, await StoredCopiesAsync(reopened, hash));
        await reopened.SyncAsync(Token);
        Assert.True(File.Exists(CopyPath(2, hash)));
        Assert.Equal(3, await StoredCopiesAsync(reopened, hash));
        Assert.Contains(marker.Id, File.ReadAllText(Path.Combine(mountPoint, HostMarker.ObjectName)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_revives_a_copy_that_comes_back_and_calls_a_wrong_size_damaged()
    {
        var (pool, hash) = await SyncedFileAsync();
        var kept = Harness.Folder.Combine("kept.bin");
        File.Move(CopyPath(1, hash), kept);

        Assert.Equal(CopyCheck.Missing, (await pool.VerifyAsync(cancellationToken: Token)).Files.Single().Copies.Single(c => c.HostName == "host-2").Result);
        Assert.Equal(2, await StoredCopiesAsync(pool, hash));

        File.Move(kept, CopyPath(1, hash));
        var back = await pool.VerifyAsync(cancellationToken: Token);
        Assert.Equal(CopyCheck.Good, back.Files.Single().Copies.Single(c => c.HostName == "host-2").Result);
        Assert.Equal(3, await StoredCopiesAsync(pool, hash));

        await using (var copy = File.OpenWrite(CopyPath(0, hash)))
        {
            copy.SetLength(100);
        }

        var shallow = await pool.VerifyAsync(cancellationToken: Token);
        Assert.Equal(CopyCheck.Damaged, shallow.Files.Single().Copies.Single(c => c.HostName == "host-1").Result);
        Assert.Equal(CopyState.Damaged, (await pool.Catalog.GetCopiesAsync(ContentHash.Parse(hash), Token)).Single(c => c.HostName == "host-1").State);
    }

    [Fact]
    public async Task A_file_with_no_good_copy_left_is_lost_in_every_report_every_time()
    {
        var (pool, hash) = await SyncedFileAsync();
        Assert.True(await pool.EvictAsync(hash, Token));
        for (var i = 0; i < 3; i++)
        {
            File.Delete(CopyPath(i, hash));
        }

        for (var round = 0; round < 2; round++)
        {
            var report = await pool.VerifyAsync(cancellationToken: Token);
            Assert.Equal(1, report.LostFiles);
            Assert.True(report.Files.Single(f => f.Hash.ToString() == hash).IsLost);
            Assert.Equal(new QueueInfo(1, 40_000), (await pool.GetStatusAsync(Token)).Lost);
            Assert.True((await pool.ListFilesAsync(cancellationToken: Token)).Single().Lost);
        }

        // The bytes come back to one host: the next verify finds them and the file is no longer lost.
        File.WriteAllBytes(CopyPath(0, hash), File.ReadAllBytes(Harness.Folder.Combine("a.bin")));
        Assert.Equal(0, (await pool.VerifyAsync(cancellationToken: Token)).LostFiles);
        Assert.Equal(default, (await pool.GetStatusAsync(Token)).Lost);
    }

    [Fact]
    public async Task Nodes_on_one_catalog_never_copy_one_file_to_one_host_at_once()
    {
        var source = Harness.WriteFile("shared.bin", 30_000, 3);
        var slow = Harness.NewHosts();
        foreach (var host in slow)
        {
            host.HangUploads = true;
        }

        var a = await OpenAsync(slow, storage: Harness.Folder.Combine("cache-a"));
        var b = await OpenAsync(storage: Harness.Folder.Combine("cache-b"));
        var hash = await a.UploadAsync(source, Token);
        Assert.Equal(hash, await b.UploadAsync(source, Token));

        using var stopA = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var syncA = a.SyncAsync(stopA.Token);
        while (slow.Sum(h => Volatile.Read(ref h.Uploads)) < 3)
        {
            await Task.Delay(20, Token);
        }

        // Node a holds the leases on all three copies: node b copies nothing and leaves the file pending.
        var whileLeased = await b.SyncAsync(Token);
        Assert.Equal(0, whileLeased.CopiesMade);
        Assert.All(Enumerable.Range(0, 3), i => Assert.False(File.Exists(CopyPath(i, hash))));

        await stopA.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => syncA);
        var after = await b.SyncAsync(Token);
        Assert.Equal(3, after.CopiesMade);
        Assert.Equal(3, await StoredCopiesAsync(b, hash));
    }

    [Fact]
    public async Task A_lease_left_by_a_node_that_died_expires_by_itself()
    {
        var pool = await OpenAsync();
        var hash = await pool.UploadAsync(Harness.WriteFile("a.bin", 20_000, 4), Token);
        await pool.VerifyAsync(cancellationToken: Token);
        var ids = (await pool.GetStatusAsync(Token)).Hosts.Select(h => h.Identity!).ToList();
        var now = await pool.Catalog.ReadClockAsync(Token) ?? Harness.Clock.GetUtcNow();
        foreach (var id in ids)
        {
            Assert.True(await pool.Catalog.TryLeaseCopyAsync(ContentHash.Parse(hash), id, "dead-node", 3, now, now.AddMinutes(2), Token));
        }

        Assert.Equal(0, (await pool.SyncAsync(Token)).CopiesMade);
        Harness.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(3, (await pool.SyncAsync(Token)).CopiesMade);
    }

    [Fact]
    public void Min_copies_above_the_number_of_hosts_is_refused_at_start()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Harness.Open(minCopies: 3, hosts: Harness.NewHosts().Take(2).ToList()));
        Assert.Contains("only 2 hosts are", error.Message, StringComparison.Ordinal);
    }
}

public sealed class SqliteSafetyRulesTests : SafetyRulesTests
{
    protected override Task<ICatalog?> CatalogAsync() => Task.FromResult<ICatalog?>(null);
}

public sealed class PostgresSafetyRulesTests : SafetyRulesTests
{
    private string _schema = "";

    public override async ValueTask InitializeAsync() => _schema = await PostgresCatalogFixture.CreateSchemaAsync();

    protected override async Task<ICatalog?> CatalogAsync() => await PostgresCatalogFixture.OpenSchemaAsync(_schema);

    [Fact]
    public async Task A_node_whose_clock_is_400_days_ahead_stamps_shared_times_on_the_catalogs_clock()
    {
        Harness.Clock.SetUtcNow(DateTimeOffset.UtcNow.AddDays(400));
        var pool = Harness.Open(catalog: await CatalogAsync());
        var hash = await pool.UploadAsync(Harness.WriteFile("a.bin", 20_000, 5), Token);
        await pool.SyncAsync(Token);
        Assert.NotNull(await pool.DataDumpAsync(128_000, Token));

        var server = (await pool.Catalog.ReadClockAsync(Token))!.Value;
        var file = (await pool.Catalog.FindFileAsync(ContentHash.Parse(hash), Token))!;
        Assert.InRange(file.ExportedAt!.Value, server.AddMinutes(-5), server.AddMinutes(5));
        Assert.InRange(file.CreatedAt, server.AddMinutes(-5), server.AddMinutes(5));
        Assert.Equal(SqlCatalog.MonthOf(server), (await pool.GetStatusAsync(Token)).Transfers.Month);
    }
}
