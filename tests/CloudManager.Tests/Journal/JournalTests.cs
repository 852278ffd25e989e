using System.Text;
using CloudManager.Hosts;
using CloudManager.Journal;
using CloudManager.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Journal;

/// <summary>The journal's segment format, its reading of hostile segments, and its fold under duplicates and compactions.</summary>
public sealed class JournalTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static ContentHash HashOf(int i) => ContentHash.Compute(Encoding.UTF8.GetBytes($"file {i}"));

    private static JournalEntry Record(int i, DateTimeOffset at) => JournalEntry.Added(HashOf(i), 100 + i, $"file-{i}.txt", Start.AddDays(-i), at);

    private static IReadOnlyList<JournalEntry> Parse(string text, List<JournalProblem> problems) =>
        JournalSegment.Parse(Encoding.UTF8.GetBytes(text), "h", "s", problems);

    private const string Header = """{"format":"cloud-manager-journal","version":1,"node":"n","host":"h","sequence":1,"written":0}""";

    [Fact]
    public void A_written_segment_reads_back_every_record_and_deletion()
    {
        var entries = new[] { Record(1, Start), JournalEntry.Removed(HashOf(2), 102, Start.AddSeconds(1)), Record(3, Start.AddSeconds(2)) with { Name = "naïve résumé.pdf" } };
        var bytes = JournalSegment.Write("node", "hostid", "disk", 7, Start, entries);
        var problems = new List<JournalProblem>();

        var read = JournalSegment.Parse(bytes, "disk", "seg", problems);

        Assert.Empty(problems);
        Assert.Equal(entries, read);
        Assert.StartsWith("{\"format\":\"cloud-manager-journal\",\"version\":1,\"node\":\"node\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void Segment_names_sort_by_time_within_a_node_and_are_valid_metadata_names()
    {
        var first = JournalSegment.NameFor("node-1", 1, Start);
        var second = JournalSegment.NameFor("node-1", 2, Start.AddMilliseconds(1));
        Assert.True(string.CompareOrdinal(first, second) < 0);
        Assert.True(MetadataNames.IsValid(first));
        Assert.StartsWith("journal/node-1/", first, StringComparison.Ordinal);
        // A node id that is not a plain name is folded into a digest.
        Assert.True(MetadataNames.IsValid(JournalSegment.NameFor("../../etc passwd", 1, Start)));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("not json\n", "not JSON")]
    [InlineData("{\"format\":\"git-annex\",\"version\":1}\n", "header")]
    [InlineData("{\"format\":\"cloud-manager-journal\",\"version\":2}\n", "version")]
    public void A_segment_without_a_valid_header_is_refused_whole(string text, string why)
    {
        var problems = new List<JournalProblem>();
        Assert.Empty(Parse(text + Encoding.UTF8.GetString(JournalSegment.Write("n", "h", "d", 1, Start, [Record(1, Start)]))[Header.Length..], problems));
        var problem = Assert.Single(problems);
        Assert.Equal(0, problem.Line);
        Assert.Contains("refused whole", problem.Reason, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public void Hostile_lines_are_refused_one_by_one_and_the_good_ones_kept()
    {
        var good = Encoding.UTF8.GetString(JournalSegment.Write("n", "h", "d", 1, Start, [Record(1, Start)])).Split('\n')[1];
        string Add(string hash, string size, string name) =>
            "{\"op\":\"add\",\"at\":1,\"record\":{\"version\":\"0.2\",\"datetime\":\"1700000000\",\"filename\":" + name + ",\"filesize\":" + size + ",\"filehash\":\"" + hash + "\",\"uploads\":[]}}";
        var hash = HashOf(9).ToString();
        var lines = new[]
        {
            Header,
            "{not json",
            Add(hash, "5", "\"evil\\u202Egpj.exe\""),
            Add(hash, "5", "\"\""),
            Add(hash, "-1", "\"negative.bin\""),
            Add(hash, "5", "\"a/b\""),
            Add("XYZ", "5", "\"bad-hash.bin\""),
            "{\"op\":\"delete\",\"at\":1,\"filehash\":\"nope\",\"filesize\":1}",
            "{\"op\":\"rename\",\"at\":1}",
            "[1,2,3]",
            "{\"op\":\"add\",\"at\":-5,\"record\":{}}",
            "{\"op\":\"add\",\"at\":1,\"record\":{\"filehash\":\"" + hash + "\",\"filesize\":1,\"filename\":\"x\",\"datetime\":\"1\",\"version\":\"0.2\",\"uploads\":[],\"pad\":\"" + new string('x', JournalSegment.MaxLineBytes) + "\"}}",
            good,
        };
        var problems = new List<JournalProblem>();

        var read = Parse(string.Join('\n', lines), problems);

        Assert.Equal([Record(1, Start)], read);
        Assert.Equal(Enumerable.Range(2, lines.Length - 2).ToList(), problems.Select(p => p.Line).ToList());
        Assert.All(problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Reason)));
    }

    [Fact]
    public async Task A_huge_segment_is_refused_whole_without_being_read_to_its_end()
    {
        var problems = new List<JournalProblem>();
        await using var endless = new RepeatingStream((byte)'x', JournalSegment.MaxBytes + 10);
        Assert.Empty(await JournalSegment.ReadAsync(endless, "h", "s", problems, Token));
        Assert.Contains("larger than", Assert.Single(problems).Reason, StringComparison.Ordinal);
        Assert.True(endless.Position <= JournalSegment.MaxBytes + 81920);
    }

    [Fact]
    public async Task On_an_encrypted_host_the_journal_is_ciphertext_and_a_changed_segment_is_refused_whole()
    {
        var folder = _folder.CreateFolder("sealed");
        var keys = new CloudManager.Hosts.Encryption.EncryptionKeyRing([CloudManager.Hosts.Encryption.EncryptionKey.CreateNew()]);
        await using var host = new CloudManager.Hosts.Encryption.EncryptedStorageHost(new DirectoryHost("disk", folder), keys);
        await HostJournal.AppendAsync(host, "hostid", "node-1", [Record(1, Start), Record(2, Start)], Start, Token);
        await HostJournal.AppendAsync(host, "hostid", "node-1", [Record(3, Start.AddSeconds(1))], Start.AddSeconds(1), Token);
        var problems = new List<JournalProblem>();
        Assert.Equal(new[] { HashOf(1), HashOf(2), HashOf(3) }.ToHashSet(), (await HostJournal.ReadAsync(host, problems, Token)).Keys.ToHashSet());
        Assert.Empty(problems);

        var stored = Directory.GetFiles(Path.Combine(folder, MetadataNames.Folder), "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, stored.Count);
        foreach (var file in stored)
        {
            var text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain("file-", text, StringComparison.Ordinal);
            Assert.DoesNotContain(HashOf(1).ToString(), text, StringComparison.OrdinalIgnoreCase);
        }

        var bytes = File.ReadAllBytes(stored[0]);
        bytes[^5] ^= 1;
        File.WriteAllBytes(stored[0], bytes);
        var read = await HostJournal.ReadAsync(host, problems, Token);

        Assert.Equal([HashOf(3)], read.Keys);
        var problem = Assert.Single(problems);
        Assert.Contains("does not authenticate", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appending_past_the_limit_compacts_and_keeps_every_record_and_deletion()
    {
        await using var host = new DirectoryHost("disk", _folder.CreateFolder("host"));
        var at = Start;
        for (var i = 0; i < HostJournal.CompactAfter + 3; i++)
        {
            at = at.AddSeconds(1);
            var entries = new List<JournalEntry> { Record(i, at) };
            if (i % 5 == 4)
            {
                entries.Add(JournalEntry.Removed(HashOf(i - 1), 100 + i - 1, at));
            }

            await HostJournal.AppendAsync(host, "hostid", "node-1", entries, at, Token);
        }

        var segments = await host.ListMetadataAsync("journal/node-1", Token).ToListAsync(Token);
        Assert.True(segments.Count < HostJournal.CompactAfter, $"{segments.Count} segments left");
        var problems = new List<JournalProblem>();
        var live = (await HostJournal.ReadAsync(host, problems, Token)).Where(e => !e.Value.Deleted).Select(e => e.Key).ToHashSet();
        Assert.Empty(problems);
        var expected = Enumerable.Range(0, HostJournal.CompactAfter + 3).Where(i => i % 5 != 3).Select(HashOf).ToHashSet();
        Assert.Equal(expected, live);
    }

    private enum Step
    {
        Add,
        Delete,
        Flush,
        Duplicate,
        Compact,
        HalfCompact,
    }

    /// <summary>
    /// Any sequence of records and deletions, written in segments, with segments duplicated, compacted,
    /// and compactions interrupted (the merged segment written, the old ones still there), reads back as
    /// exactly the files the catalog holds at the end, with their sizes and names.
    /// </summary>
    [Fact]
    public void Any_sequence_of_segments_duplicates_and_compactions_reads_back_the_catalog_it_came_from()
    {
        var counts = new Dictionary<Step, int>();
        var gen =
            from steps in Gen.ListOf(
                from step in Gen.Frequency(
                    (6, Gen.Constant(Step.Add)), (3, Gen.Constant(Step.Delete)), (3, Gen.Constant(Step.Flush)),
                    (1, Gen.Constant(Step.Duplicate)), (1, Gen.Constant(Step.Compact)), (1, Gen.Constant(Step.HalfCompact)))
                from file in Gen.Choose(0, 12)
                from node in Gen.Choose(0, 1)
                select (step, file, node))
            select steps.Take(60).ToArray();
        var property = Prop.ForAll(Arb.From(gen), steps =>
        {
            foreach (var (step, _, _) in steps)
            {
                counts[step] = counts.GetValueOrDefault(step) + 1;
            }

            return RunAsync(steps).GetAwaiter().GetResult();
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), property);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
    }

    private async Task<bool> RunAsync((Step Step, int File, int Node)[] steps)
    {
        await using var host = new DirectoryHost("disk", _folder.CreateFolder($"host-{Guid.NewGuid():N}"));
        var catalog = new Dictionary<ContentHash, (long Size, string Name)>();
        var pending = new[] { new List<JournalEntry>(), new List<JournalEntry>() };
        var at = Start;
        foreach (var (step, file, node) in steps)
        {
            at = at.AddMilliseconds(1);
            var nodeId = $"node-{node}";
            switch (step)
            {
                case Step.Add:
                    var record = Record(file, at) with { Name = $"file-{file}-{at.ToUnixTimeMilliseconds()}.txt" };
                    catalog[record.Hash] = (record.Size, record.Name);
                    pending[node].Add(record);
                    break;
                case Step.Delete:
                    catalog.Remove(HashOf(file));
                    pending[node].Add(JournalEntry.Removed(HashOf(file), 100 + file, at));
                    break;
                case Step.Flush:
                    await HostJournal.AppendAsync(host, "hostid", nodeId, pending[node], at, Token);
                    pending[node].Clear();
                    break;
                case Step.Duplicate:
                    var all = await host.ListMetadataAsync("journal", Token).ToListAsync(Token);
                    if (all.Count > 0)
                    {
                        var source = all[file % all.Count].Name;
                        await using var stream = (await host.OpenMetadataAsync(source, Token))!;
                        using var copy = new MemoryStream();
                        await stream.CopyToAsync(copy, Token);
                        await host.PutMetadataAsync(source[..source.LastIndexOf('/')] + "/copy-" + Guid.NewGuid().ToString("N")[..8] + ".jsonl", copy, Token);
                    }

                    break;
                case Step.Compact:
                    await HostJournal.CompactAsync(host, "hostid", nodeId, at, Token);
                    break;
                case Step.HalfCompact:
                    // A compaction that died after writing the merged segment: the old segments are all still there.
                    var before = new List<(string Name, byte[] Bytes)>();
                    foreach (var segment in await host.ListMetadataAsync(JournalSegment.NodeFolder(nodeId), Token).ToListAsync(Token))
                    {
                        await using var stream = (await host.OpenMetadataAsync(segment.Name, Token))!;
                        using var bytes = new MemoryStream();
                        await stream.CopyToAsync(bytes, Token);
                        before.Add((segment.Name, bytes.ToArray()));
                    }

                    await HostJournal.CompactAsync(host, "hostid", nodeId, at, Token);
                    foreach (var (name, bytes) in before)
                    {
                        using var body = new MemoryStream(bytes);
                        await host.PutMetadataAsync(name, body, Token);
                    }

                    break;
            }
        }

        for (var node = 0; node < 2; node++)
        {
            await HostJournal.AppendAsync(host, "hostid", $"node-{node}", pending[node], at, Token);
        }

        var problems = new List<JournalProblem>();
        var live = (await HostJournal.ReadAsync(host, problems, Token)).Where(e => !e.Value.Deleted).ToDictionary(e => e.Key, e => (e.Value.Size, e.Value.Name));
        Assert.Empty(problems);
        Assert.Equal(catalog.OrderBy(c => c.Key).ToList(), live.OrderBy(c => c.Key).ToList());
        return true;
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>A stream of one byte repeated, never held in memory.</summary>
    private sealed class RepeatingStream(byte value, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill(value);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
