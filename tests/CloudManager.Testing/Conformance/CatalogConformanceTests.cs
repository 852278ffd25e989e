using CloudManager.Catalog;
using CloudManager.Eviction;
using CloudManager.Exchange;
using CloudManager.Hosts;

namespace CloudManager.Testing.Conformance;

/// <summary>The behaviour every catalog backend must show; a backend adds a fixture and a two-line subclass.</summary>
public abstract class CatalogConformanceTests<TFixture>(TFixture fixture)
    where TFixture : class, ICatalogFixture
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    protected TFixture Fixture { get; } = fixture;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static FileRecord File(int seed, long size = 100) =>
        new(ContentHash.Compute([(byte)seed, (byte)(seed >> 8)]), size, $"file-{seed}.bin", Now, 0, null, null);

    private async Task<ICatalog> NodeAsync(string node = "n1", IEvictionPolicy? policy = null)
    {
        var catalog = await Fixture.CreateCatalogAsync();
        await catalog.EnsureNodeAsync(node, policy ?? EvictionPolicies.Lru, Now, Token);
        // The node has hosts "a", "b" and "c" configured (their ids are their names here): copies on them count.
        await catalog.SetNodeHostsAsync(node, ["a", "b", "c"], Token);
        return catalog;
    }

    [Fact]
    public virtual async Task MigrateAsync_is_idempotent()
    {
        await using var catalog = await Fixture.CreateCatalogAsync();
        Assert.Equal(SqlCatalog.SchemaVersion, await catalog.MigrateAsync(Token));
        Assert.Equal(SqlCatalog.SchemaVersion, await catalog.MigrateAsync(Token));
    }

    [Fact]
    public virtual async Task FindFileAsync_returns_null_when_unknown()
    {
        await using var catalog = await NodeAsync();
        Assert.Null(await catalog.FindFileAsync(File(1).Hash, Token));
        Assert.Empty(await catalog.GetCopiesAsync(File(1).Hash, Token));
    }

    [Fact]
    public virtual async Task AddCachedFileAsync_records_file_entry_used_bytes_and_meter()
    {
        await using var catalog = await NodeAsync();
        var file = File(1, 500);
        Assert.True(await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 500, Now, Token));
        Assert.False(await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 0, Now, Token));

        Assert.Equal(file with { StoredCopies = 0 }, await catalog.FindFileAsync(file.Hash, Token));
        var entry = await catalog.FindCacheEntryAsync("n1", file.Hash, Token);
        Assert.Equal(500, entry!.Size);
        Assert.Equal(1, entry.AccessCount);
        Assert.Equal(500, await catalog.GetUsedBytesAsync("n1", Token));
        Assert.Equal(new TransferTotals(500, 0), await catalog.GetTransfersAsync("n1", "2026-11", Token));
    }

    [Fact]
    public virtual async Task AddCachedFileAsync_refuses_a_known_hash_with_another_size()
    {
        await using var catalog = await NodeAsync();
        await catalog.AddCachedFileAsync("n1", File(1, 500), EvictionPolicies.Lru, 500, Now, Token);
        await Assert.ThrowsAsync<CatalogException>(() => catalog.AddCachedFileAsync("n1", File(1, 501), EvictionPolicies.Lru, 501, Now, Token));
        Assert.Equal(500, await catalog.GetUsedBytesAsync("n1", Token));
    }

    [Fact]
    public virtual async Task Cache_entries_are_per_node()
    {
        await using var catalog = await NodeAsync();
        await catalog.EnsureNodeAsync("n2", EvictionPolicies.Lru, Now, Token);
        var file = File(1);
        await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 100, Now, Token);

        Assert.Null(await catalog.FindCacheEntryAsync("n2", file.Hash, Token));
        Assert.Equal(0, await catalog.GetUsedBytesAsync("n2", Token));
        await catalog.AddCachedFileAsync("n2", file, EvictionPolicies.Lru, 100, Now, Token);
        Assert.True(await catalog.RemoveCacheEntryAsync("n1", file.Hash, EvictionPolicies.Lru, Token));
        Assert.NotNull(await catalog.FindCacheEntryAsync("n2", file.Hash, Token));
        Assert.Equal(100, await catalog.GetUsedBytesAsync("n2", Token));
        Assert.Equal(0, await catalog.GetUsedBytesAsync("n1", Token));
    }

    [Fact]
    public virtual async Task Eviction_candidates_are_safe_unpinned_and_ordered_by_priority()
    {
        await using var catalog = await NodeAsync();
        var files = Enumerable.Range(1, 4).Select(i => File(i)).ToList();
        foreach (var file in files)
        {
            await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 100, Now, Token);
        }

        foreach (var file in files.Skip(1))
        {
            foreach (var host in new[] { "a", "b" })
            {
                await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(file.Hash, host, host, new HostLocator("x"), null, 100), Now, Token);
            }
        }

        await catalog.SetPinnedAsync("n1", files[2].Hash, true, Token);
        Assert.Equal(1, await catalog.RecordCacheHitsAsync("n1", [files[1].Hash, File(99).Hash], EvictionPolicies.Lru, Now, Token));

        var candidates = await catalog.ListEvictionCandidatesAsync("n1", EvictionPolicies.Lru, 2, 10, Token);
        Assert.Equal([files[3].Hash, files[1].Hash], candidates.Select(c => c.Hash));
    }

    [Fact]
    public virtual async Task Frequency_policy_offers_fewest_hits_newest_first_never_pinned_or_unsafe()
    {
        var policy = EvictionPolicies.Frequency;
        await using var catalog = await NodeAsync(policy: policy);
        var files = Enumerable.Range(1, 5).Select(i => File(i)).ToList();
        foreach (var file in files)
        {
            await catalog.AddCachedFileAsync("n1", file, policy, 100, Now, Token);
        }

        foreach (var file in files.Skip(1))
        {
            await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(file.Hash, "a", "a", new HostLocator("x"), null, 100), Now, Token);
        }

        await catalog.SetPinnedAsync("n1", files[4].Hash, true, Token);
        await catalog.RecordCacheHitsAsync("n1", [files[1].Hash], policy, Now, Token);

        // files[0] is not safe and files[4] is pinned; files[1] has two accesses; of the others the newest leaves first.
        var candidates = await catalog.ListEvictionCandidatesAsync("n1", policy, 1, 10, Token);
        Assert.Equal([files[3].Hash, files[2].Hash, files[1].Hash], candidates.Select(c => c.Hash));
    }

    [Fact]
    public virtual async Task Frequency_policy_resumes_the_count_of_a_remembered_file_and_bounds_what_it_remembers()
    {
        var policy = EvictionPolicies.Frequency;
        await using var catalog = await NodeAsync(policy: policy);
        var files = Enumerable.Range(1, 6).Select(i => File(i)).ToList();
        foreach (var file in files)
        {
            await catalog.AddCachedFileAsync("n1", file, policy, 100, Now, Token);
        }

        Assert.Equal(2.5, policy.EvictionMemory);
        var ticker = File(7);
        await catalog.AddCachedFileAsync("n1", ticker, policy, 100, Now, Token);
        await catalog.RecordCacheHitsAsync("n1", [files[0].Hash, files[0].Hash], policy, Now, Token);
        // 700 bytes cached; before each eviction the node may remember 2.5 times its used bytes.
        // A hit between evictions moves the clock, so the remembered files age in eviction order.
        foreach (var file in files)
        {
            await catalog.RecordCacheHitsAsync("n1", [ticker.Hash], policy, Now, Token);
            Assert.True(await catalog.RemoveCacheEntryAsync("n1", file.Hash, policy, Token));
        }

        // The last eviction (200 bytes used before it) left room to remember 500 bytes: files 1 to 5.
        await catalog.AddCachedFileAsync("n1", files[5], policy, 100, Now, Token);
        Assert.Equal(2, (await catalog.FindCacheEntryAsync("n1", files[5].Hash, Token))!.AccessCount);
        await catalog.AddCachedFileAsync("n1", files[2], policy, 100, Now, Token);
        Assert.Equal(2, (await catalog.FindCacheEntryAsync("n1", files[2].Hash, Token))!.AccessCount);
        await catalog.AddCachedFileAsync("n1", files[0], policy, 100, Now, Token);
        Assert.Equal(1, (await catalog.FindCacheEntryAsync("n1", files[0].Hash, Token))!.AccessCount);
    }

    [Fact]
    public virtual async Task The_catalog_evicts_the_same_files_as_the_in_memory_index()
    {
        foreach (var policy in EvictionPolicies.All)
        {
            var node = "replay-" + policy.Name;
            await using var catalog = await NodeAsync(node, policy);
            var index = new EvictionIndex<ContentHash>(policy);
            var random = new Random(7);
            var sizes = Enumerable.Range(0, 40).Select(_ => (long)random.Next(1, 100)).ToArray();
            const long Capacity = 600;
            var fromCatalog = new List<ContentHash>();
            var fromIndex = new List<ContentHash>();
            for (var i = 0; i < 150; i++)
            {
                var id = random.Next(random.Next(2) == 0 ? 8 : 40);
                var file = File(id, sizes[id]);
                if (index.Hit(file.Hash))
                {
                    Assert.Equal(1, await catalog.RecordCacheHitsAsync(node, [file.Hash], policy, Now, Token));
                    continue;
                }

                while (index.UsedBytes + file.Size > Capacity && index.TryPeekVictim(out var victim, out _))
                {
                    fromIndex.Add(victim);
                    index.Evict(victim);
                    var entry = (await catalog.ListEvictionCandidatesAsync(node, policy, 0, 1, Token)).Single();
                    fromCatalog.Add(entry.Hash);
                    await catalog.RemoveCacheEntryAsync(node, entry.Hash, policy, Token);
                }

                index.Insert(file.Hash, file.Size);
                await catalog.AddCachedFileAsync(node, file, policy, 0, Now, Token);
            }

            Assert.NotEmpty(fromIndex);
            Assert.Equal(fromIndex, fromCatalog);
            Assert.Equal(index.UsedBytes, await catalog.GetUsedBytesAsync(node, Token));
        }
    }

    [Fact]
    public virtual async Task RecordCopyAttemptAsync_counts_stored_copies_and_keeps_failures()
    {
        await using var catalog = await NodeAsync();
        var file = File(1, 300);
        await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 300, Now, Token);

        Assert.Equal(0, await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(file.Hash, "a", "a", null, "down", 0), Now, Token));
        Assert.Equal(1, await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(file.Hash, "b", "b", new HostLocator("loc-b"), null, 300), Now, Token));
        Assert.Equal(2, await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(file.Hash, "a", "a", new HostLocator("loc-a"), null, 300), Now, Token));

        var copies = await catalog.GetCopiesAsync(file.Hash, Token);
        Assert.Equal(2, copies.Single(c => c.HostName == "a").Attempts);
        Assert.All(copies, c => Assert.Equal(CopyState.Stored, c.State));
        Assert.Equal(new TransferTotals(300, 600), await catalog.GetTransfersAsync("n1", null, Token));
        var health = (await catalog.GetHostHealthAsync(Token)).Single(h => h.HostName == "a");
        Assert.Equal((1, 1, 0), (health.Successes, health.Failures, health.ConsecutiveFailures));
        Assert.Equal("down", health.LastError);
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["b"] = 1 }, await catalog.CountStoredCopiesByHostAsync(Token));

        await catalog.MarkCopyProblemAsync(file.Hash, "a", CopyState.Damaged, "bad bytes", Now, Token);
        Assert.Equal(1, (await catalog.FindFileAsync(file.Hash, Token))!.StoredCopies);
        await catalog.MarkCopyProblemAsync(file.Hash, "b", CopyState.Missing, "missing when verified", Now, Token);
        Assert.Equal(0, (await catalog.FindFileAsync(file.Hash, Token))!.StoredCopies);
        Assert.Equal([CopyState.Damaged, CopyState.Missing], (await catalog.GetCopiesAsync(file.Hash, Token)).Select(c => c.State));

        // A copy found again revives; a host no node has configured any longer stops counting, and counts again when it returns.
        Assert.Equal(1, await catalog.ConfirmCopyAsync(file.Hash, "b", "b", new HostLocator("loc-b"), Now, Token));
        await catalog.SetNodeHostsAsync("n1", ["a", "c"], Token);
        Assert.Equal(0, (await catalog.FindFileAsync(file.Hash, Token))!.StoredCopies);
        await catalog.SetNodeHostsAsync("n1", ["a", "b", "c"], Token);
        Assert.Equal(1, (await catalog.FindFileAsync(file.Hash, Token))!.StoredCopies);
    }

    [Fact]
    public virtual async Task Export_candidates_are_safe_unconfirmed_and_reoffered_after_the_deadline()
    {
        await using var catalog = await NodeAsync();
        var file = File(1);
        await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 100, Now, Token);
        Assert.Empty(await catalog.ListExportCandidatesAsync(1, Now, null, 10, Token));
        await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(file.Hash, "a", "a", new HostLocator("x"), null, 100), Now, Token);

        Assert.Single(await catalog.ListExportCandidatesAsync(1, Now, null, 10, Token));
        await catalog.MarkExportedAsync([file.Hash], Now, Token);
        Assert.Empty(await catalog.ListExportCandidatesAsync(1, Now, null, 10, Token));
        Assert.Single(await catalog.ListExportCandidatesAsync(1, Now.AddMilliseconds(1), null, 10, Token));

        await catalog.ImportAsync([new FilePayload(file.Hash, file.Size, file.Name, Now, [new UploadLink("a", "x")])], "sync-1", Now, Token);
        Assert.Empty(await catalog.ListExportCandidatesAsync(1, Now.AddHours(2), null, 10, Token));
        Assert.Equal("sync-1", (await catalog.FindFileAsync(file.Hash, Token))!.SyncId);
    }

    [Fact]
    public virtual async Task Export_candidates_page_in_creation_order_and_copies_come_in_one_call()
    {
        await using var catalog = await NodeAsync();
        // Two files share each creation second, so pages must break ties by hash.
        var files = Enumerable.Range(1, 7).Select(i => File(i) with { CreatedAt = Now.AddSeconds(i / 2) }).ToList();
        var records = files.Select(f => new FilePayload(f.Hash, f.Size, f.Name, f.CreatedAt, [new UploadLink("a", "x" + f.Name), new UploadLink("b", null)])).ToList();
        await catalog.ImportAsync(records, "peer", Now, Token);
        foreach (var file in files)
        {
            await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 0, Now, Token);
        }

        // Imported files are confirmed and have no copies of their own yet; only files of this node's own are offered: add some.
        var own = Enumerable.Range(20, 5).Select(i => File(i) with { CreatedAt = Now.AddSeconds(i / 2) }).ToList();
        foreach (var file in own)
        {
            await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 0, Now, Token);
            await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(file.Hash, "a", "a", new HostLocator("l" + file.Name), null, file.Size), Now, Token);
        }

        var paged = new List<FileRecord>();
        FileRecord? after = null;
        while (await catalog.ListExportCandidatesAsync(1, Now, after, 2, Token) is { Count: > 0 } page)
        {
            Assert.True(page.Count <= 2);
            paged.AddRange(page);
            after = page[^1];
        }

        Assert.Equal(own.OrderBy(f => f.CreatedAt).ThenBy(f => f.Hash.ToString(), StringComparer.Ordinal).Select(f => f.Hash), paged.Select(f => f.Hash));

        var unknown = File(99).Hash;
        var copies = await catalog.GetCopiesAsync([.. own.Select(f => f.Hash), .. files.Select(f => f.Hash), unknown], Token);
        Assert.False(copies.ContainsKey(unknown));
        foreach (var file in own)
        {
            Assert.Equal(await catalog.GetCopiesAsync(file.Hash, Token), copies[file.Hash]);
            Assert.Equal(["a"], copies[file.Hash].Select(c => c.HostName));
        }

        // Links from the peer are hints, never copies: a host here must show them first.
        foreach (var file in files)
        {
            Assert.False(copies.ContainsKey(file.Hash));
            Assert.Equal([("a", "x" + file.Name)], (await catalog.GetCopyHintsAsync(file.Hash, Token)).Select(h => (h.HostName, h.Locator.Value)));
        }
    }

    [Fact]
    public virtual async Task Cheap_lookups_agree_with_the_full_rows()
    {
        await using var catalog = await NodeAsync();
        var cached = File(1, 700);
        var known = File(2);
        await catalog.AddCachedFileAsync("n1", cached, EvictionPolicies.Lru, 0, Now, Token);
        await catalog.ImportAsync([new FilePayload(known.Hash, known.Size, known.Name, Now, [new UploadLink("a", "x")])], "peer", Now, Token);

        Assert.True(await catalog.ContainsFileAsync(cached.Hash, Token));
        Assert.True(await catalog.ContainsFileAsync(known.Hash, Token));
        Assert.False(await catalog.ContainsFileAsync(File(3).Hash, Token));
        Assert.Equal(700, await catalog.FindCachedSizeAsync("n1", cached.Hash, Token));
        Assert.Null(await catalog.FindCachedSizeAsync("n1", known.Hash, Token));
        Assert.Null(await catalog.FindCachedSizeAsync("other-node", cached.Hash, Token));
    }

    [Fact]
    public virtual async Task Queue_counts_agree_with_the_queue_listings()
    {
        await using var catalog = await NodeAsync();
        var files = Enumerable.Range(1, 5).Select(i => File(i, 100 * i)).ToList();
        foreach (var file in files)
        {
            await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 0, Now, Token);
        }

        foreach (var file in files.Take(2))
        {
            await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(file.Hash, "a", "a", new HostLocator("x"), null, file.Size), Now, Token);
        }

        var upload = await catalog.ListUploadQueueAsync("n1", 1, Token);
        var export = await catalog.ListExportQueueAsync(1, Token);
        Assert.Equal(new QueueInfo(3, 1200), await catalog.CountUploadQueueAsync("n1", 1, Token));
        Assert.Equal(new QueueInfo(upload.Count, upload.Sum(f => f.Size)), await catalog.CountUploadQueueAsync("n1", 1, Token));
        Assert.Equal(new QueueInfo(export.Count, export.Sum(f => f.Size)), await catalog.CountExportQueueAsync(1, Token));
        Assert.Equal(new QueueInfo(2, 300), await catalog.CountExportQueueAsync(1, Token));
    }

    [Fact]
    public virtual async Task ImportAsync_keeps_links_as_hints_and_is_idempotent()
    {
        await using var catalog = await NodeAsync();
        var hash = File(7).Hash;
        FilePayload[] records = [new FilePayload(hash, 70, "seven.bin", Now, [new UploadLink("a", "url-a"), new UploadLink("b", null)])];
        await catalog.ImportAsync(records, "s1", Now, Token);
        await catalog.ImportAsync(records, "s1", Now, Token);
        await catalog.ImportAsync([records[0] with { Uploads = [new UploadLink("b", "url-b")] }], "s2", Now, Token);

        var file = await catalog.FindFileAsync(hash, Token);
        Assert.Equal((70L, "seven.bin", 0, "s1"), (file!.Size, file.Name, file.StoredCopies, file.SyncId));
        Assert.Empty(await catalog.GetCopiesAsync(hash, Token));
        var hints = await catalog.GetCopyHintsAsync(hash, Token);
        Assert.Equal([("a", "url-a"), ("b", "url-b")], hints.Select(h => (h.HostName, h.Locator.Value)));
    }

    [Fact]
    public virtual async Task ImportAsync_is_all_or_nothing()
    {
        await using var catalog = await NodeAsync();
        await catalog.AddCachedFileAsync("n1", File(1, 10), EvictionPolicies.Lru, 10, Now, Token);
        FilePayload[] records =
        [
            new FilePayload(File(2).Hash, 5, "new.bin", Now, [new UploadLink("a", "x")]),
            new FilePayload(File(1).Hash, 11, "conflict.bin", Now, []),
        ];

        var error = await Assert.ThrowsAsync<InvalidPayloadException>(() => catalog.ImportAsync(records, "s", Now, Token));
        Assert.Equal(1, error.RecordIndex);
        Assert.Null(await catalog.FindFileAsync(File(2).Hash, Token));
        Assert.Empty(await catalog.GetCopiesAsync(File(2).Hash, Token));
    }

    [Fact]
    public virtual async Task ImportAsync_names_the_earliest_record_whose_size_conflicts()
    {
        await using var catalog = await NodeAsync();
        await catalog.AddCachedFileAsync("n1", File(1, 10), EvictionPolicies.Lru, 10, Now, Token);
        FilePayload Record(int seed, long size) => new(File(seed).Hash, size, $"r{seed}.bin", Now, [new UploadLink("a", "x")]);

        // Against the catalog (record 1) before a later contradiction inside the document (record 2).
        var error = await Assert.ThrowsAsync<InvalidPayloadException>(() => catalog.ImportAsync([Record(2, 5), Record(1, 11), Record(2, 6)], "s", Now, Token));
        Assert.Equal(1, error.RecordIndex);
        Assert.Contains("size 10", error.Message, StringComparison.Ordinal);

        // Inside the document (record 1) before a later contradiction of the catalog (record 2).
        error = await Assert.ThrowsAsync<InvalidPayloadException>(() => catalog.ImportAsync([Record(2, 5), Record(2, 6), Record(1, 11)], "s", Now, Token));
        Assert.Equal(1, error.RecordIndex);
        Assert.Contains("size 5", error.Message, StringComparison.Ordinal);
        Assert.Null(await catalog.FindFileAsync(File(2).Hash, Token));
    }

    [Fact]
    public virtual async Task ImportAsync_of_a_document_equals_applying_its_records_one_by_one()
    {
        // Seeded documents over a few files, hosts and URLs, against a model that applies each
        // record in turn: new files, conflicts, confirmations and the copy rules must agree.
        var random = new Random(20261127);
        for (var round = 0; round < 12; round++)
        {
            await using var catalog = await NodeAsync();
            var model = new ImportModel();
            var seeds = Enumerable.Range(1, 6).ToArray();
            foreach (var seed in seeds.Where(_ => random.Next(3) == 0))
            {
                var known = File(seed, 100 + seed);
                await catalog.AddCachedFileAsync("n1", known, EvictionPolicies.Lru, 0, Now, Token);
                model.Own(known);
                if (random.Next(2) == 0)
                {
                    await catalog.RecordCopyAttemptAsync("n1", new CopyAttempt(known.Hash, "a", "a", new HostLocator("own-" + seed), null, known.Size), Now, Token);
                    model.Copy(known.Hash, "a", "own-" + seed);
                }
            }

            for (var document = 0; document < 3; document++)
            {
                var records = Enumerable.Range(0, random.Next(1, 12)).Select(_ =>
                {
                    var seed = seeds[random.Next(seeds.Length)];
                    var size = random.Next(10) == 0 ? 999 : 100 + seed;
                    var uploads = Enumerable.Range(0, random.Next(0, 4))
                        .Select(_ => new UploadLink(((char)('a' + random.Next(3))).ToString(), random.Next(3) == 0 ? null : "u" + random.Next(4)))
                        .ToList();
                    return new FilePayload(File(seed).Hash, size, $"n{random.Next(3)}.bin", Now.AddSeconds(random.Next(100)), uploads);
                }).ToList();
                var syncId = "sync-" + document;
                var expected = model.Import(records, syncId);
                if (expected is { } index)
                {
                    var error = await Assert.ThrowsAsync<InvalidPayloadException>(() => catalog.ImportAsync(records, syncId, Now, Token));
                    Assert.Equal(index, error.RecordIndex);
                }
                else
                {
                    await catalog.ImportAsync(records, syncId, Now, Token);
                }

                foreach (var seed in seeds)
                {
                    var hash = File(seed).Hash;
                    var file = await catalog.FindFileAsync(hash, Token);
                    var copies = await catalog.GetCopiesAsync(hash, Token);
                    var hints = await catalog.GetCopyHintsAsync(hash, Token);
                    Assert.Equal(model.Describe(hash), file is null
                        ? "absent"
                        : $"{file.Size} {file.Name} {file.CreatedAt.ToUnixTimeSeconds()} {file.SyncId ?? "-"} {file.StoredCopies} "
                            + string.Join(",", copies.Select(c => $"{c.HostName}={c.Locator!.Value.Value}"))
                            + " hints " + string.Join(",", hints.Select(h => $"{h.HostName}={h.Locator.Value}")));
                }
            }
        }
    }

    /// <summary>What an import must leave, applying one record at a time (a conflict undoes the document).</summary>
    private sealed class ImportModel
    {
        private Dictionary<ContentHash, (long Size, string Name, long Created, string? SyncId)> _files = [];
        private Dictionary<(ContentHash, string), string> _copies = [];
        private Dictionary<(ContentHash, string), string> _hints = [];

        public void Own(FileRecord file) => _files[file.Hash] = (file.Size, file.Name, file.CreatedAt.ToUnixTimeSeconds(), null);

        public void Copy(ContentHash hash, string host, string url) => _copies[(hash, host)] = url;

        /// <summary>Applies the records; returns the index of the conflicting record, state unchanged, if one conflicts.</summary>
        public int? Import(IReadOnlyList<FilePayload> records, string syncId)
        {
            var files = new Dictionary<ContentHash, (long Size, string Name, long Created, string? SyncId)>(_files);
            var hints = new Dictionary<(ContentHash, string), string>(_hints);
            var firstUrls = new HashSet<(ContentHash, string)>();
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                if (!files.TryGetValue(record.FileHash, out var file))
                {
                    files[record.FileHash] = (record.FileSize, record.FileName, record.DateTime.ToUnixTimeSeconds(), syncId);
                }
                else if (file.Size != record.FileSize)
                {
                    return i;
                }
                else if (file.SyncId is null)
                {
                    files[record.FileHash] = file with { SyncId = syncId };
                }

                // The first URL a document gives for a file and host replaces the hint of an earlier document.
                foreach (var upload in record.Uploads)
                {
                    var key = (record.FileHash, upload.HostName);
                    if (upload.Url is not null && firstUrls.Add(key))
                    {
                        hints[key] = upload.Url;
                    }
                }
            }

            (_files, _hints) = (files, hints);
            return null;
        }

        public string Describe(ContentHash hash)
        {
            if (!_files.TryGetValue(hash, out var file))
            {
                return "absent";
            }

            var copies = _copies.Where(c => c.Key.Item1 == hash).OrderBy(c => c.Key.Item2, StringComparer.Ordinal).ToList();
            var hints = _hints.Where(c => c.Key.Item1 == hash).OrderBy(c => c.Key.Item2, StringComparer.Ordinal).ToList();
            return $"{file.Size} {file.Name} {file.Created} {file.SyncId ?? "-"} {copies.Count} "
                + string.Join(",", copies.Select(c => $"{c.Key.Item2}={c.Value}"))
                + " hints " + string.Join(",", hints.Select(c => $"{c.Key.Item2}={c.Value}"));
        }
    }

    [Fact]
    public virtual async Task EnsureNodeAsync_recomputes_priorities_when_the_policy_changes()
    {
        await using var catalog = await NodeAsync(policy: EvictionPolicies.Lru);
        await catalog.AddCachedFileAsync("n1", File(1, 1000), EvictionPolicies.Lru, 0, Now, Token);
        await catalog.AddCachedFileAsync("n1", File(2, 10), EvictionPolicies.Lru, 0, Now, Token);
        await catalog.EnsureNodeAsync("n1", EvictionPolicies.LargestFirst, Now, Token);

        var entries = await catalog.ListCacheEntriesAsync("n1", Token);
        Assert.Equal(-1000, entries.Single(e => e.Size == 1000).Priority);
        Assert.Equal(-10, entries.Single(e => e.Size == 10).Priority);
    }

    [Fact]
    public virtual async Task Cursors_and_listing_work()
    {
        await using var catalog = await NodeAsync();
        Assert.Equal(0, await catalog.GetCursorAsync("", Token));
        await catalog.SetCursorAsync("", 5, Token);
        await catalog.SetCursorAsync("peer-b", 9, Token);
        Assert.Equal(5, await catalog.GetCursorAsync("", Token));
        Assert.Equal(9, await catalog.GetCursorAsync("peer-b", Token));

        var files = Enumerable.Range(1, 5).Select(i => File(i, i)).ToList();
        foreach (var file in files)
        {
            await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 0, Now, Token);
        }

        var page1 = await catalog.ListFilesAsync("n1", null, 3, Token);
        var page2 = await catalog.ListFilesAsync("n1", page1[^1].File.Hash, 3, Token);
        Assert.Equal(files.Select(f => f.Hash).Order(), page1.Concat(page2).Select(l => l.File.Hash));
        Assert.All(page1, l => Assert.True(l.Cached));
        Assert.Equal(new QueueInfo(5, 15), await catalog.CountFilesAsync(Token));
    }

    [Fact]
    public virtual async Task ListNewestFilesAsync_pages_newest_first()
    {
        await using var catalog = await NodeAsync();
        var files = Enumerable.Range(1, 5).Select(i => File(i) with { CreatedAt = Now.AddSeconds(i % 3) }).ToList();
        foreach (var file in files)
        {
            await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 0, Now, Token);
        }

        var first = await catalog.ListNewestFilesAsync("n1", null, 2, Token);
        var second = await catalog.ListNewestFilesAsync("n1", first[^1].File, 10, Token);
        var expected = files.OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.Hash.ToString(), StringComparer.Ordinal).Select(f => f.Hash);
        Assert.Equal(expected, first.Concat(second).Select(l => l.File.Hash));
    }

    [Fact]
    public virtual async Task Hits_and_evictions_of_the_same_entries_at_once_neither_fail_nor_lose_bytes()
    {
        // Hits lock the node's row and then the entry's; an eviction that locked them the other way round deadlocked.
        await using var catalog = await NodeAsync();
        var files = Enumerable.Range(1, 8).Select(i => File(i, 1000 + i)).ToList();
        for (var round = 0; round < 15; round++)
        {
            foreach (var file in files)
            {
                await catalog.AddCachedFileAsync("n1", file, EvictionPolicies.Lru, 0, Now, Token);
            }

            var hits = Enumerable.Range(0, 4).Select(_ => Task.Run(() => catalog.RecordCacheHitsAsync("n1", files.Select(f => f.Hash).Reverse().ToList(), EvictionPolicies.Lru, Now, Token), Token));
            var evictions = files.Select(f => Task.Run(() => catalog.RemoveCacheEntryAsync("n1", f.Hash, EvictionPolicies.Lru, Token), Token));
            await Task.WhenAll([.. hits, .. evictions]);
        }

        Assert.Empty(await catalog.ListCacheEntriesAsync("n1", Token));
        Assert.Equal(0, await catalog.GetUsedBytesAsync("n1", Token));
    }

    [Fact]
    public virtual async Task Concurrent_meter_increments_are_never_lost()
    {
        await using var catalog = await NodeAsync();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => catalog.AddTransferAsync("n1", 1, 2, Now, Token), Token)));
        Assert.Equal(new TransferTotals(40, 80), await catalog.GetTransfersAsync("n1", null, Token));
    }
}
