using CloudManager.Catalog;
using CloudManager.Testing;
using CloudManager.Tests.Catalog;

namespace CloudManager.Tests.Pool;

/// <summary>Several nodes, each with its own cache folder, on one PostgreSQL catalog and the same hosts.</summary>
public sealed class SharedCatalogTests : IAsyncLifetime
{
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private async Task<(CloudPool A, CloudPool B)> TwoNodesAsync()
    {
        var catalogA = await PostgresCatalogFixture.CreateAsync();
        var schemaCatalog = (PostgresCatalog)catalogA;
        // Node B opens its own connection pool on the same schema.
        var catalogB = PostgresCatalog.Open(SchemaConnectionString(schemaCatalog));
        return (_harness.Open(storage: _harness.Folder.Combine("cache-a"), catalog: catalogA),
                _harness.Open(storage: _harness.Folder.Combine("cache-b"), catalog: catalogB));
    }

    private static string SchemaConnectionString(PostgresCatalog catalog) => catalog.ConnectionString;

    [Fact]
    public async Task Nodes_share_files_and_copies_but_keep_their_own_caches()
    {
        var (a, b) = await TwoNodesAsync();
        var source = _harness.WriteFile("shared.bin", 50_000, 1);
        var hash = await a.UploadAsync(source, Token);
        await a.SyncAsync(Token);

        Assert.NotEqual(await a.GetNodeIdAsync(Token), await b.GetNodeIdAsync(Token));
        Assert.True(await b.ExistsAsync(hash, Token));
        Assert.False(await b.OnCacheAsync(hash, Token));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(await b.WarmUpAsync(hash, Token)));

        Assert.True(await a.EvictAsync(hash, Token));
        Assert.False(await a.OnCacheAsync(hash, Token));
        Assert.True(await b.OnCacheAsync(hash, Token));
        Assert.Equal(0, await a.UsedSpaceAsync(Token));
        Assert.Equal(50_000, await b.UsedSpaceAsync(Token));
        Assert.Equal(50_000, await b.TotalIncomingAsync(Token));
        Assert.Equal(150_000, await a.TotalOutgoingAsync(Token));
    }

    [Fact]
    public async Task One_file_uploaded_on_both_nodes_at_once_gives_one_record_and_one_set_of_copies()
    {
        var (a, b) = await TwoNodesAsync();
        var source = _harness.WriteFile("same.bin", 30_000, 2);

        var hashes = await Task.WhenAll(Task.Run(() => a.UploadAsync(source, Token), Token), Task.Run(() => b.UploadAsync(source, Token), Token));
        await Task.WhenAll(Task.Run(() => a.SyncAsync(Token), Token), Task.Run(() => b.SyncAsync(Token), Token));

        Assert.Equal(hashes[0], hashes[1]);
        Assert.Single(await a.ListFilesAsync(cancellationToken: Token));
        var copies = await a.Catalog.GetCopiesAsync(ContentHash.Parse(hashes[0]), Token);
        Assert.Equal(["host-1", "host-2", "host-3"], copies.Select(c => c.HostName).Order(StringComparer.Ordinal));
        Assert.All(copies, c => Assert.Equal(CopyState.Stored, c.State));
        Assert.Equal(3, (await b.Catalog.FindFileAsync(ContentHash.Parse(hashes[0]), Token))!.StoredCopies);
        Assert.True(await a.OnCacheAsync(hashes[0], Token));
        Assert.True(await b.OnCacheAsync(hashes[0], Token));
    }

    [Fact]
    public async Task Concurrent_nodes_keep_exact_meters_and_no_duplicate_rows()
    {
        var (a, b) = await TwoNodesAsync();
        var sources = Enumerable.Range(0, 16).Select(i => _harness.WriteFile($"f{i}", 1000 + i, 10 + i)).ToList();

        await Task.WhenAll(sources.Select((s, i) => Task.Run(async () =>
        {
            var node = i % 2 == 0 ? a : b;
            await node.UploadAsync(s, Token);
            await node.SyncAsync(Token);
        }, Token)));
        // A file whose copy another sync held a lease on at that moment stays pending to the next sync.
        await a.SyncAsync(Token);
        await b.SyncAsync(Token);

        var total = sources.Sum(s => new FileInfo(s).Length);
        Assert.Equal(16, (await a.ListFilesAsync(cancellationToken: Token)).Count);
        Assert.Equal(total, await a.TotalIncomingAsync(Token) + await b.TotalIncomingAsync(Token));
        Assert.Equal(total * 3, await a.TotalOutgoingAsync(Token) + await b.TotalOutgoingAsync(Token));
        foreach (var file in await a.ListFilesAsync(cancellationToken: Token))
        {
            Assert.Equal(3, file.File.StoredCopies);
        }
    }

    [Fact]
    public async Task Sqlite_node_dumps_and_Postgres_node_loads_then_both_converge()
    {
        var sqlite = _harness.Open(storage: _harness.Folder.Combine("cache-sqlite"));
        var postgres = _harness.Open(storage: _harness.Folder.Combine("cache-pg"), catalog: await PostgresCatalogFixture.CreateAsync());
        var fromSqlite = _harness.WriteFile("from-sqlite.bin", 7000, 3);
        var fromPostgres = _harness.WriteFile("from-pg.bin", 8000, 4);
        var hashA = await sqlite.UploadAsync(fromSqlite, Token);
        var hashB = await postgres.UploadAsync(fromPostgres, Token);
        await sqlite.SyncAsync(Token);
        await postgres.SyncAsync(Token);

        var dumpA = await sqlite.DataDumpAsync(128_000, Token);
        Assert.Equal(1, await postgres.DataLoadAsync(dumpA!, "sqlite-node", Token));
        Assert.Equal(1, await postgres.DataLoadAsync(dumpA!, "sqlite-node", Token));
        var dumpB = await postgres.DataDumpAsync(128_000, Token);
        Assert.Equal(1, await sqlite.DataLoadAsync(dumpB!, "pg-node", Token));

        // Both nodes have the same three hosts: a sync finds the copies the other node's records name.
        await sqlite.SyncAsync(Token);
        await postgres.SyncAsync(Token);

        Assert.Equal(File.ReadAllBytes(fromSqlite), File.ReadAllBytes(await postgres.WarmUpAsync(hashA, Token)));
        Assert.Equal(File.ReadAllBytes(fromPostgres), File.ReadAllBytes(await sqlite.WarmUpAsync(hashB, Token)));
        var listA = (await sqlite.ListFilesAsync(cancellationToken: Token)).Select(l => (l.File.Hash, l.File.Size, l.File.Name, l.File.StoredCopies));
        var listB = (await postgres.ListFilesAsync(cancellationToken: Token)).Select(l => (l.File.Hash, l.File.Size, l.File.Name, l.File.StoredCopies));
        Assert.Equal(listA, listB);
        foreach (var hash in new[] { hashA, hashB })
        {
            Assert.Equal((await sqlite.InfoAsync(hash, Token))!.ToJson(), (await postgres.InfoAsync(hash, Token))!.ToJson());
        }
    }
}
