using CloudManager.Journal;
using CloudManager.Testing;

namespace CloudManager.Tests.Journal;

/// <summary>The journal written by syncs: a failed journal write never fails a copy, and the next sync writes the missing records.</summary>
public sealed class JournalWriterTests : IAsyncDisposable
{
    private readonly PoolHarness _harness = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_journal_that_cannot_be_written_leaves_the_copy_safe_and_the_next_sync_writes_its_record()
    {
        var hosts = _harness.NewHosts();
        hosts[0].FailMetadata = true;
        await using var pool = _harness.Open(hosts: hosts);
        var hash = await pool.UploadAsync(_harness.WriteFile("a.txt", 3000, 1), Token);

        var first = await pool.SyncAsync(Token);
        Assert.Equal(3, first.CopiesMade);
        Assert.Equal(["host-1"], first.JournalFailures);
        Assert.Equal(2, first.JournalRecordsWritten);
        Assert.Equal(3, (await pool.FindFileAsync(hash, Token))!.StoredCopies);
        var problems = new List<JournalProblem>();
        Assert.Empty(await HostJournal.ReadAsync(hosts[0].Inner, problems, Token));

        hosts[0].FailMetadata = false;
        var second = await pool.SyncAsync(Token);
        Assert.Equal(0, second.CopiesMade);
        Assert.Equal(1, second.JournalRecordsWritten);
        var records = await HostJournal.ReadAsync(hosts[0], problems, Token);
        var record = Assert.Single(records).Value;
        Assert.Equal(ContentHash.Parse(hash), record.Hash);
        Assert.Equal("a.txt", record.Name);
        Assert.Equal(3000, record.Size);
        Assert.Empty(problems);

        // Nothing left to write: a third sync writes no segment.
        var puts = hosts.Sum(h => h.MetadataPuts);
        Assert.Equal(0, (await pool.SyncAsync(Token)).JournalRecordsWritten);
        Assert.Equal(puts, hosts.Sum(h => h.MetadataPuts));
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();
}
