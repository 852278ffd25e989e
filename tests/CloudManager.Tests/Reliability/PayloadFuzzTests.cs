using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CloudManager.Exchange;
using CloudManager.Testing;
using Microsoft.Data.Sqlite;

namespace CloudManager.Tests.Reliability;

/// <summary>
/// The bad-input campaign for <see cref="CloudPool.DataLoadAsync"/>: seeded mutations of valid sync
/// documents. Every case must end in a correct import or an <see cref="InvalidPayloadException"/>
/// that left the catalog exactly as it was. CI runs 100,000 cases through the validator (which runs
/// before the catalog is touched) and 2,000 through the whole import with catalog checks; a long run is
/// <c>CM_FUZZ_SEED=7 CM_FUZZ_PARSE_CASES=5000000 CM_FUZZ_CASES=200000 dotnet test tests/CloudManager.Tests --filter PayloadFuzzTests</c>.
/// </summary>
public sealed class PayloadFuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 2_000;

    private const int DefaultParseCases = 100_000;

    private const int DefaultSeed = 20261127;

    /// <summary>A full catalog comparison every so many rejected cases, on top of the cheap change counter after each.</summary>
    private const int SnapshotEvery = 2_000;

    [Fact]
    public void Mutated_sync_documents_are_read_or_rejected_with_a_typed_error()
    {
        var cases = EnvironmentNumber("CM_FUZZ_PARSE_CASES", DefaultParseCases);
        var seed = EnvironmentNumber("CM_FUZZ_SEED", DefaultSeed) + 1;
        var mutator = new PayloadMutator(seed);
        var failures = new List<string>();
        long read = 0, rejected = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < cases && failures.Count < 10; i++)
        {
            var text = mutator.Next();
            try
            {
                PayloadJson.ParseArray(text);
                read++;
            }
            catch (InvalidPayloadException)
            {
                rejected++;
            }
#pragma warning disable CA1031 // The campaign records every other exception as a finding instead of stopping at the first.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add($"case {i}: {e.GetType().Name}: {e.Message}: {Shorten(text)}");
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}: {read + rejected} of {cases} cases in {stopwatch.Elapsed.TotalSeconds:F1} s; {read} read, {rejected} rejected; {failures.Count} failures"));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(read > cases / 50, $"only {read} of {cases} cases were valid: the mutator no longer reaches the records");
    }

    [Fact]
    public async Task Mutated_sync_documents_import_correctly_or_are_rejected_without_a_trace()
    {
        var cases = EnvironmentNumber("CM_FUZZ_CASES", DefaultCases);
        var seed = EnvironmentNumber("CM_FUZZ_SEED", DefaultSeed);
        // In memory when the machine has /dev/shm: the campaign is about validation, not disk flushes.
        await using var harness = new PoolHarness(hostCount: 0, Directory.Exists("/dev/shm") ? "/dev/shm" : null);
        var pool = harness.Open(hosts: []);
        await pool.GetNodeIdAsync(TestContext.Current.CancellationToken);
        using var watcher = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = harness.Database, Pooling = false }.ToString());
        watcher.Open();

        var mutator = new PayloadMutator(seed);
        var stats = new FuzzStats();
        var failures = new List<string>();
        var lastSnapshot = PoolConsistency.Snapshot(harness.Database);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < cases && failures.Count < 10; i++)
        {
            var text = mutator.Next();
            var version = DataVersion(watcher);
            try
            {
                var imported = await pool.DataLoadAsync(text, "fuzz-" + (i % 7), TestContext.Current.CancellationToken);
                // Records refused one by one for their names are not imported; the others are.
                var expected = PayloadJson.ReadDocument(text, rejectBadNames: true).Records;
                if (imported != expected.Count)
                {
                    failures.Add($"case {i}: imported {imported} of {expected.Count} records: {Shorten(text)}");
                    continue;
                }

                foreach (var record in expected)
                {
                    var info = await pool.InfoAsync(record.FileHash.ToString(), TestContext.Current.CancellationToken);
                    if (info is null || info.FileSize != record.FileSize)
                    {
                        failures.Add($"case {i}: record {record.FileHash} reported imported but the catalog has {info?.FileSize.ToString(CultureInfo.InvariantCulture) ?? "nothing"}: {Shorten(text)}");
                    }
                }

                stats.Imported++;
                stats.Records += imported;
                if (imported > 0)
                {
                    lastSnapshot = PoolConsistency.Snapshot(harness.Database);
                }
            }
            catch (InvalidPayloadException e)
            {
                stats.Rejected++;
                stats.CountField(e.Field);
                // The cheap check after every rejection: nothing was committed in the meantime.
                if (DataVersion(watcher) != version)
                {
                    failures.Add($"case {i}: rejected ({e.Message}) but the catalog changed: {Shorten(text)}");
                }
                else if (stats.Rejected % SnapshotEvery == 0 && PoolConsistency.Snapshot(harness.Database) != lastSnapshot)
                {
                    failures.Add($"case {i}: the catalog differs from the last import's state after rejections");
                }
            }
#pragma warning disable CA1031 // The campaign records every other exception as a finding instead of stopping at the first.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add($"case {i}: {e.GetType().Name}: {e.Message}: {Shorten(text)}");
            }

            CheckConverter(text, i, failures);
        }

        Assert.Equal(lastSnapshot, PoolConsistency.Snapshot(harness.Database));
        await pool.DisposeAsync();
        PoolConsistency.AssertConsistent(harness.Database, harness.Storage, pool.CacheLimit);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}: {stats.Imported + stats.Rejected} of {cases} cases in {stopwatch.Elapsed.TotalSeconds:F1} s; {stats.Imported} imported ({stats.Records} records), {stats.Rejected} rejected; {failures.Count} failures"));
        output.WriteLine("rejections by field: " + string.Join(", ", stats.ByField.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(stats.Imported > cases / 50, $"only {stats.Imported} of {cases} cases imported: the mutator no longer reaches the catalog");
    }

    /// <summary>The serializer path (<see cref="FilePayloadJsonConverter"/>) must fail only with <see cref="JsonException"/>.</summary>
    private static void CheckConverter(string text, int index, List<string> failures)
    {
        try
        {
            JsonSerializer.Deserialize<List<FilePayload>>(text);
        }
        catch (JsonException)
        {
        }
        catch (ArgumentException) when (!IsValidUtf16(text))
        {
            // The serializer refuses text it cannot transcode before any converter runs.
        }
#pragma warning disable CA1031 // Recorded as a finding.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failures.Add($"case {index}: the JSON converter threw {e.GetType().Name}: {e.Message}: {Shorten(text)}");
        }
    }

    private static bool IsValidUtf16(string text) => System.Text.Unicode.Utf8.FromUtf16(text, new byte[text.Length * 3], out _, out _, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done;

    private static long DataVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA data_version";
        return (long)command.ExecuteScalar()!;
    }

    private static int EnvironmentNumber(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "…";

    private sealed class FuzzStats
    {
        public long Imported { get; set; }

        public long Rejected { get; set; }

        public long Records { get; set; }

        public Dictionary<string, long> ByField { get; } = [];

        public void CountField(string? field)
        {
            var key = field is null ? "(document)" : field.StartsWith("uploads[", StringComparison.Ordinal) ? "uploads[]" + field[(field.IndexOf(']', StringComparison.Ordinal) + 1)..] : field;
            ByField[key] = ByField.GetValueOrDefault(key) + 1;
        }
    }
}
