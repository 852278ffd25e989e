using System.Security.Cryptography;
using CloudManager.Catalog;
using CloudManager.Exchange;
using CloudManager.Hosts;
using CloudManager.Testing;
using CloudManager.Tests.Catalog;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Reliability;

/// <summary>
/// Random sequences of uploads, syncs, hostile records from peers, hosts dropped from the config and
/// brought back, catalogs replaced by empty ones, cached files damaged on disk, evictions and verifies.
/// After every step: no file the pool reports safe has fewer than <c>minCopies</c> good copies on the
/// configured hosts, no host holds bytes under a hash they do not have, and every file ever uploaded
/// still has its bytes somewhere (the cache or a host), unless the test itself destroyed its only copy.
/// </summary>
public sealed class SafetyPropertyTests
{
    private const int MinCopies = 2;

    private enum Kind
    {
        Upload,
        Sync,
        LoadHostile,
        DropHost,
        RestoreHosts,
        ReplaceCatalog,
        DamageCache,
        Evict,
        Verify,
    }

    private sealed record Step(Kind Kind, int Argument, int Size);

    private static Gen<Step> StepGen =>
        from kind in Gen.Frequency(
            (5, Gen.Constant(Kind.Upload)),
            (4, Gen.Constant(Kind.Sync)),
            (2, Gen.Constant(Kind.LoadHostile)),
            (1, Gen.Constant(Kind.DropHost)),
            (1, Gen.Constant(Kind.RestoreHosts)),
            (1, Gen.Constant(Kind.ReplaceCatalog)),
            (2, Gen.Constant(Kind.DamageCache)),
            (2, Gen.Constant(Kind.Evict)),
            (1, Gen.Constant(Kind.Verify)))
        from argument in Gen.Choose(0, 1000)
        from size in Gen.Choose(1, 9_000)
        select new Step(kind, argument, size);

    [Fact]
    public void On_SQLite_no_file_reported_safe_lacks_copies_and_no_uploaded_byte_is_lost() => Check(postgres: false, runs: 60);

    [Fact]
    public void On_PostgreSQL_no_file_reported_safe_lacks_copies_and_no_uploaded_byte_is_lost() => Check(postgres: true, runs: 15);

    private static void Check(bool postgres, int runs)
    {
        var steps = new Dictionary<Kind, int>();
        var property = Prop.ForAll(
            Arb.From(Gen.ListOf(StepGen).Select(list => list.Take(30).ToArray())),
            sequence =>
            {
                foreach (var step in sequence)
                {
                    steps[step.Kind] = steps.GetValueOrDefault(step.Kind) + 1;
                }

                return new Run(postgres).ExecuteAsync(sequence).GetAwaiter().GetResult();
            });
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(runs), property);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{runs} sequences, {steps.Values.Sum()} steps checked: " + string.Join(", ", steps.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}")));
    }

    /// <summary>One random sequence against one pool folder, reopened as the steps change its config or catalog.</summary>
    private sealed class Run(bool postgres)
    {
        private readonly PoolHarness _harness = new();
        private readonly Dictionary<string, byte[]> _uploaded = [];
        private HashSet<int> _configured = [0, 1, 2];
        private CloudPool? _pool;
        private int _catalogs;
        private string? _schema;
        private int _seed;

        private static CancellationToken Token => TestContext.Current.CancellationToken;

        public async Task<bool> ExecuteAsync(Step[] steps)
        {
            await using (_harness)
            {
                _schema = postgres ? await PostgresCatalogFixture.CreateSchemaAsync() : null;
                await ReopenAsync();
                foreach (var step in steps)
                {
                    await ApplyAsync(step);
                    await CheckAsync(step);
                }

                await _pool!.DisposeAsync();
            }

            return true;
        }

        private async Task ReopenAsync()
        {
            if (_pool is not null)
            {
                await _pool.DisposeAsync();
            }

            var hosts = _configured.Order().Select(i => (IStorageHost)new DirectoryHost($"host-{i + 1}", _harness.HostFolders[i])).ToList();
            var database = _harness.Folder.Combine($"catalog-{_catalogs}.db");
            _pool = postgres
                ? _harness.Open(capacity: 60_000, minCopies: MinCopies, hosts: hosts, catalog: await PostgresCatalogFixture.OpenSchemaAsync(_schema!))
                : _harness.Open(capacity: 60_000, minCopies: MinCopies, hosts: hosts, database: database);
        }

        private async Task ApplyAsync(Step step)
        {
            var pool = _pool!;
            var known = _uploaded.Keys.Order(StringComparer.Ordinal).ToList();
            string? Pick() => known.Count == 0 ? null : known[step.Argument % known.Count];
            switch (step.Kind)
            {
                case Kind.Upload:
                    var source = _harness.WriteFile($"f{++_seed}.bin", step.Size, 1000 + _seed);
                    try
                    {
                        var hash = await pool.UploadAsync(source, Token);
                        _uploaded[hash] = File.ReadAllBytes(source);
                    }
                    catch (CacheFullException)
                    {
                        // Nothing safe to evict: refused, and nothing was lost.
                    }

                    break;
                case Kind.Sync:
                    await pool.SyncAsync(Token);
                    break;
                case Kind.LoadHostile when Pick() is { } target:
                    var record = new FilePayload(ContentHash.Parse(target), _uploaded[target].Length, "peer.bin", DateTimeOffset.UnixEpoch.AddDays(step.Argument),
                        [new UploadLink("host-1", "file:///nowhere/1"), new UploadLink("host-2", "file:///nowhere/2"), new UploadLink("host-3", "file:///nowhere/3"), new UploadLink("far", "https://far/x")]);
                    await pool.DataLoadAsync($"[{record.ToJson()}]", $"peer-{step.Argument}", Token);
                    break;
                case Kind.DropHost when _configured.Count > MinCopies:
                    _configured.Remove(_configured.Order().ElementAt(step.Argument % _configured.Count));
                    await ReopenAsync();
                    break;
                case Kind.RestoreHosts:
                    _configured = [0, 1, 2];
                    await ReopenAsync();
                    break;
                case Kind.ReplaceCatalog:
                    // A fresh, empty catalog beside the same cache and hosts (the catalog file moved, --db elsewhere).
                    _catalogs++;
                    _schema = postgres ? await PostgresCatalogFixture.CreateSchemaAsync() : null;
                    await ReopenAsync();
                    break;
                case Kind.DamageCache when Pick() is { } victim:
                    var cached = Path.Combine(_harness.Storage, "objects", victim[..2], victim);
                    if (File.Exists(cached) && new FileInfo(cached).Length > 0)
                    {
                        await using (var stream = new FileStream(cached, FileMode.Open, FileAccess.ReadWrite))
                        {
                            stream.Position = step.Argument % stream.Length;
                            var b = stream.ReadByte();
                            stream.Position--;
                            stream.WriteByte((byte)(b ^ 0x5a));
                        }

                        if (!HasGoodCopyOnAHost(victim))
                        {
                            // The test destroyed the only copy; the pool must still never spread or bless it.
                            _uploaded.Remove(victim);
                        }
                    }

                    break;
                case Kind.Evict when Pick() is { } evicted:
                    try
                    {
                        await pool.EvictAsync(evicted, Token);
                    }
                    catch (InvalidOperationException)
                    {
                        // Pending or pinned: refused, as it must be.
                    }

                    break;
                case Kind.Verify:
                    await pool.VerifyAsync(cancellationToken: Token);
                    break;
            }
        }

        private async Task CheckAsync(Step step)
        {
            var pool = _pool!;
            foreach (var listing in await pool.ListFilesAsync(cancellationToken: Token))
            {
                var hash = listing.File.Hash.ToString();
                if (listing.File.StoredCopies >= MinCopies)
                {
                    var good = _configured.Count(i => IsGood(HostPath(i, hash), hash));
                    Assert.True(good >= MinCopies, $"after {step}: {hash} is reported safe with {listing.File.StoredCopies} copies, but the configured hosts hold {good} good ones");
                }
            }

            for (var i = 0; i < 3; i++)
            {
                foreach (var file in Directory.EnumerateFiles(_harness.HostFolders[i], "*", SearchOption.AllDirectories))
                {
                    var name = Path.GetFileName(file);
                    if (ContentHash.TryParse(name, out _))
                    {
                        Assert.True(IsGood(file, name), $"after {step}: host-{i + 1} holds bytes under {name} that do not hash to it");
                    }
                }
            }

            foreach (var (hash, bytes) in _uploaded)
            {
                var cached = Path.Combine(_harness.Storage, "objects", hash[..2], hash);
                Assert.True(IsGood(cached, hash) || HasGoodCopyOnAHost(hash), $"after {step}: every byte of {hash} ({bytes.Length} bytes) is gone");
            }
        }

        private bool HasGoodCopyOnAHost(string hash) => Enumerable.Range(0, 3).Any(i => IsGood(HostPath(i, hash), hash));

        private string HostPath(int host, string hash) => Path.Combine(_harness.HostFolders[host], hash[..2], hash);

        private static bool IsGood(string path, string hash)
        {
            if (!File.Exists(path))
            {
                return false;
            }

            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream)) == hash;
        }
    }
}
