using CloudManager.Catalog;
using CloudManager.Testing;

namespace CloudManager.Tests.Pool;

/// <summary>The invariant checker the reliability campaigns rely on: silent on a sound pool, loud on each kind of damage.</summary>
public sealed class PoolInvariantsTests : IAsyncDisposable
{
    private readonly PoolHarness _harness = new();

    private PoolUnderCheck Under(CloudPool pool) => new(
        _harness.Database,
        _harness.Storage,
        _harness.HostFolders.Select((path, i) => (Name: $"host-{i + 1}", Path: path)).ToDictionary(h => h.Name, h => h.Path, StringComparer.Ordinal),
        pool.Capacity);

    private async Task<(CloudPool Pool, string Safe, string Pending)> PoolWithASafeAndAPendingFileAsync()
    {
        var pool = _harness.Open();
        var safe = await pool.UploadAsync(_harness.WriteFile("safe.bin", 30_000, 1), TestContext.Current.CancellationToken);
        await pool.SyncAsync(TestContext.Current.CancellationToken);
        var pending = await pool.UploadAsync(_harness.WriteFile("pending.bin", 20_000, 2), TestContext.Current.CancellationToken);
        await pool.DisposeAsync();
        return (pool, safe, pending);
    }

    [Fact]
    public async Task A_sound_pool_after_a_crash_like_leftover_holds_every_invariant()
    {
        var (pool, safe, pending) = await PoolWithASafeAndAPendingFileAsync();
        // What a process killed mid-transfer leaves: its instance folder and a temp file, named as the pool names them.
        var leftover = Path.Combine(_harness.Storage, "tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(leftover);
        await File.WriteAllTextAsync(Path.Combine(leftover, $"{Guid.NewGuid():N}.partial"), "half", TestContext.Current.CancellationToken);

        var report = await PoolInvariants.CheckAsync(Under(pool) with { ReportedUploads = [safe, pending], ReportedSafe = [safe] }, TestContext.Current.CancellationToken);

        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(1, report.Reconciliation.TempFilesRemoved);
        Assert.Equal(2, report.CachedFiles);
        Assert.True(report.Meter.Incoming >= 50_000);
    }

    [Fact]
    public async Task Damage_on_a_host_unknown_reports_a_half_import_and_a_meter_going_back_are_each_reported()
    {
        var (pool, safe, pending) = await PoolWithASafeAndAPendingFileAsync();
        var copy = Path.Combine(_harness.HostFolders[0], safe[..2], safe);
        var bytes = await File.ReadAllBytesAsync(copy, TestContext.Current.CancellationToken);
        bytes[100] ^= 0xFF;
        await File.WriteAllBytesAsync(copy, bytes, TestContext.Current.CancellationToken);
        var unknown = ContentHash.Compute([1, 2, 3]).ToString();

        var report = await PoolInvariants.CheckAsync(
            Under(pool) with
            {
                ReportedUploads = [unknown],
                ImportBatches = [[pending, unknown]],
                PreviousMeter = new TransferTotals(long.MaxValue, 0),
            },
            TestContext.Current.CancellationToken);

        Assert.Contains(report.Violations, v => v.Contains("host host-1 holds bytes that do not match", StringComparison.Ordinal));
        Assert.Contains(report.Violations, v => v.StartsWith(unknown, StringComparison.Ordinal) && v.Contains("reported as uploaded", StringComparison.Ordinal));
        Assert.Contains(report.Violations, v => v.Contains("half visible", StringComparison.Ordinal));
        Assert.Contains(report.Violations, v => v.Contains("went backwards", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pending_file_whose_cached_copy_vanished_is_reported_lost()
    {
        var (pool, _, pending) = await PoolWithASafeAndAPendingFileAsync();
        File.Delete(Path.Combine(_harness.Storage, "objects", pending[..2], pending));

        var report = await PoolInvariants.CheckAsync(Under(pool) with { ReportedUploads = [pending] }, TestContext.Current.CancellationToken);

        Assert.Contains(report.Violations, v => v.StartsWith(pending, StringComparison.Ordinal) && v.Contains("lost", StringComparison.Ordinal));
        Assert.Contains(report.Violations, v => v.StartsWith(pending, StringComparison.Ordinal) && v.Contains("reported as uploaded", StringComparison.Ordinal));
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();
}
