using System.Globalization;
using System.Text.Json;
using CloudManager.Cli.Commands;
using CloudManager.Exchange;
using CloudManager.Tests.Reliability;
using Microsoft.Data.Sqlite;

namespace CloudManager.Fuzz;

/// <summary>
/// Sync data as <c>cm load</c> takes it: the bytes are read as <see cref="SyncDataReader"/> reads them,
/// validated by <see cref="PayloadJson.ParseArray"/>, and an input that validates is imported by
/// <see cref="CloudPool.DataLoadAsync"/> into a fresh copy of a small SQLite catalog that already knows
/// one file. A valid input must import every record with its size; a refused one must leave the
/// catalog unchanged; the JSON converter may only throw <see cref="JsonException"/>.
/// </summary>
internal sealed class SyncDataTarget : IFuzzTarget, IDisposable
{
    private const string SyncId = "fuzz";

    private readonly string _root;
    private readonly string _template;
    private readonly string _catalog;
    private readonly string _cache;

    public SyncDataTarget()
    {
        // In memory where the machine has /dev/shm: each valid input copies and opens a catalog.
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _root = Directory.CreateDirectory(Path.Combine(parent, "cm-fuzz-" + Guid.NewGuid().ToString("N"))).FullName;
        _template = Path.Combine(_root, "template.db");
        _catalog = Path.Combine(_root, "case.db");
        _cache = Path.Combine(_root, "cache");
        using var pool = OpenPool(_template);
        var known = $"[{HostileDocuments.Record(HostileDocuments.KnownHash, size: "3")}]";
        if (pool.DataLoadAsync(known, "setup").GetAwaiter().GetResult() != 1)
        {
            throw new InvalidOperationException("The template catalog did not take its one record.");
        }
    }

    public string Name => "sync-data";

    public string Run(Stream input)
    {
        CheckConverter(input);
        input.Position = 0;
        ReadOnlyMemory<byte> data;
        IReadOnlyList<FilePayload> records;
        try
        {
            data = SyncDataReader.ReadAsync(input, "the input", new CloudPoolOptions().MaxSyncDataLength, CancellationToken.None).GetAwaiter().GetResult();
            records = PayloadJson.ParseArray(data);
        }
        catch (InvalidPayloadException e)
        {
            return "refused: " + e.Message;
        }

        return records.Count == 0 ? "read: no records" : Import(data, records);
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var mutator = new PayloadMutator(20261127);
        var valid = 0;
        while (valid < 8)
        {
            var document = mutator.ValidDocument(maxRecords: 1 + (valid % 3));
            if (document.Count > 0)
            {
                yield return ($"valid-{valid++}.json", System.Text.Encoding.UTF8.GetBytes(document.ToJsonString()));
            }
        }

        yield return ("known-file.json", System.Text.Encoding.UTF8.GetBytes($"[{HostileDocuments.Record(HostileDocuments.KnownHash, size: "3")}]"));
        var index = 0;
        foreach (var (json, _) in HostileDocuments.All)
        {
            // Lone surrogates cannot be written as UTF-8: the encoder writes replacement characters.
            yield return ($"hostile-{index++:D2}.json", System.Text.Encoding.UTF8.GetBytes(json));
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private string Import(ReadOnlyMemory<byte> data, IReadOnlyList<FilePayload> records)
    {
        SqliteConnection.ClearAllPools();
        File.Copy(_template, _catalog, overwrite: true);
        using var pool = OpenPool(_catalog);
        // Opening registers the node; only what the import commits may change the catalog after this.
        pool.GetNodeIdAsync().GetAwaiter().GetResult();
        using var watcher = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _catalog, Pooling = false }.ToString());
        watcher.Open();
        var version = DataVersion(watcher);
        try
        {
            var imported = pool.DataLoadAsync(data, SyncId).GetAwaiter().GetResult();
            if (imported != records.Count)
            {
                throw new FuzzFinding($"imported {imported} of {records.Count} records");
            }
        }
        catch (InvalidPayloadException e)
        {
            // Valid on its own, refused against the catalog (a size that contradicts a known file).
            return DataVersion(watcher) == version ? "refused by the catalog: " + e.Message : throw new FuzzFinding($"refused ({e.Message}) but the catalog changed");
        }

        foreach (var record in records)
        {
            var info = pool.InfoAsync(record.FileHash.ToString()).GetAwaiter().GetResult();
            if (info is null || info.FileSize != record.FileSize)
            {
                throw new FuzzFinding($"record {record.FileHash} reported imported but the catalog has {info?.FileSize.ToString(CultureInfo.InvariantCulture) ?? "nothing"}");
            }
        }

        return $"imported {records.Count}";
    }

    private CloudPool OpenPool(string catalog) =>
        new(new CloudPoolOptions { Database = catalog, StoragePath = _cache, CapacityBytes = 1 << 20 });

    /// <summary>The serializer's converter for the same records: it may only fail with <see cref="JsonException"/>.</summary>
    private static void CheckConverter(Stream input)
    {
        try
        {
            JsonSerializer.Deserialize<List<FilePayload>>(input);
        }
        catch (JsonException)
        {
            // The converter's typed refusal.
        }
    }

    private static long DataVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA data_version";
        return (long)command.ExecuteScalar()!;
    }
}
