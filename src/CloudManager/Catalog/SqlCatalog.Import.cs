using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CloudManager.Exchange;

namespace CloudManager.Catalog;

// Import of another node's records (data_load). The first record of each file goes into a temporary
// staging table, a handful of set-based statements apply the whole document at once, and the links go
// into the hints table (a link is never a copy until a host here shows it). Rows reach the database the way its provider takes them fastest (see
// InsertedRows): one prepared statement per row in process (SQLite), or a few thousand rows per round trip as
// one JSON text the server unpacks (PostgreSQL). The outcome is the one of applying the records one by
// one in document order.
public abstract partial class SqlCatalog
{
    /// <summary>Rows unpacked by one statement when rows travel as JSON: bounds the text held at once.</summary>
    private const int JsonChunk = 8192;

    // Names and URLs are passed through as they are (the database decodes any escape); only what JSON requires is escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly (string Name, string Type)[] RecordColumns =
        [("i", "bigint"), ("h", "text"), ("s", "bigint"), ("n", "text"), ("c", "bigint")];
    private static readonly (string Name, string Type)[] LinkColumns = [("h", "text"), ("o", "text"), ("u", "text")];

    /// <summary>
    /// For a provider where every statement is a round trip: a query over the JSON array of objects in
    /// the parameter <c>@d</c> that yields one column per name, so that a few thousand rows travel at
    /// once. <see langword="null"/> (the default) writes one row per execution of a prepared
    /// single-row <c>VALUES</c> insert: cheapest where the database runs in process (SQLite).
    /// </summary>
    /// <param name="columns">The names, with their SQL types.</param>
    protected virtual string? JsonRowsSql(IReadOnlyList<(string Name, string Type)> columns) => null;

    /// <summary>Runs after the staging table is filled, before it is read (e.g. to give the planner its statistics).</summary>
    protected virtual string AfterStagingSql => "";

    /// <inheritdoc />
    public Task ImportAsync(IReadOnlyList<FilePayload> records, string syncId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(syncId);
        var plan = ImportPlan.Of(records);
        // Every statement names files by their hash text: made once per file, not once per row.
        var hashTexts = new string?[records.Count];
        string HashText(int file) => hashTexts[file] ??= records[file].FileHash.ToString();
        return WriteAsync(async (connection, transaction) =>
        {
            // A temporary table lives as long as the connection (a pooled one may already have it).
            // Its rows go with the transaction: emptied below on success, rolled back on failure.
            await ExecuteAsync(connection, transaction,
                "CREATE TEMP TABLE IF NOT EXISTS cm_import_staged (idx BIGINT NOT NULL, hash TEXT NOT NULL, size BIGINT NOT NULL, name TEXT NOT NULL, " +
                "created_at BIGINT NOT NULL, known BIGINT NOT NULL)",
                cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "DELETE FROM cm_import_staged", cancellationToken).ConfigureAwait(false);

            await ExecuteRowsAsync(connection, transaction,
                "INSERT INTO cm_import_staged (idx, hash, size, name, created_at, known) " + InsertedRows(RecordColumns, "{0}, {1}, {2}, {3}, {4}, 0"),
                RecordColumns, plan.Firsts, (values, i) =>
                {
                    var record = records[i];
                    (values[0], values[1], values[2], values[3], values[4]) =
                        ((long)i, HashText(i), record.FileSize, record.FileName, record.DateTime.ToUnixTimeSeconds());
                }, cancellationToken).ConfigureAwait(false);
            if (AfterStagingSql.Length > 0)
            {
                await ExecuteAsync(connection, transaction, AfterStagingSql, cancellationToken).ConfigureAwait(false);
            }

            await ApplyFilesAsync(connection, transaction, records, plan.Conflict, syncId, cancellationToken).ConfigureAwait(false);

            // Links are hints: another node's word that a host it calls so holds a copy. None counts as a
            // copy until a host configured here shows it (sync, verify, a download); the newest word wins.
            // A link reported as failed says nothing about any host here.
            await ExecuteRowsAsync(connection, transaction,
                "INSERT INTO copy_hints (hash, host_name, locator, learned_at) " +
                InsertedRows(LinkColumns, "{0}, {1}, {2}, @t") +
                " ON CONFLICT (hash, host_name) DO UPDATE SET locator = excluded.locator, learned_at = excluded.learned_at",
                LinkColumns, plan.Links.Where(l => l.Url is not null), (values, link) => (values[0], values[1], values[2]) = (HashText(link.File), link.Host, link.Url),
                cancellationToken, ("t", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);

            await ExecuteAsync(connection, transaction, "DELETE FROM cm_import_staged", cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <summary>
    /// The rows part of an <c>INSERT</c>, after its column list: <c>VALUES (…)</c> over the parameters of
    /// one row, or a <c>SELECT</c> over <see cref="JsonRowsSql"/>. In <paramref name="values"/>, <c>{0}</c>,
    /// <c>{1}</c>, … stand for the row's columns in order.
    /// </summary>
    /// <remarks>
    /// Why <c>VALUES</c> per row: SQLite gives an <c>INSERT … SELECT</c>, which may write many rows, a
    /// statement journal inside a transaction (a copy of every page the statement changes, so that a
    /// failure undoes that statement alone); run once per row, that is a journal allocated, filled with
    /// whole pages and freed for every row. A single-row <c>VALUES</c> insert needs none.
    /// </remarks>
    private string InsertedRows(IReadOnlyList<(string Name, string Type)> columns, string values)
    {
        var json = JsonRowsSql(columns);
        var references = columns.Select(c => (object?)(json is null ? "@" + c.Name : "j." + c.Name)).ToArray();
        var list = string.Format(CultureInfo.InvariantCulture, values, references);
        // "WHERE true": after a bare FROM, SQLite would read an ON CONFLICT clause as a join constraint.
        return json is null ? $"VALUES ({list})" : $"SELECT {list} FROM ({json}) AS j WHERE true";
    }

    /// <summary>Adds the staged files the catalog does not know, checks every record's size, and confirms the files under the sync id.</summary>
    private async Task ApplyFilesAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<FilePayload> records, int? conflict, string syncId, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction,
            "UPDATE cm_import_staged SET known = 1 WHERE EXISTS (SELECT 1 FROM files WHERE files.hash = cm_import_staged.hash)",
            cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            "INSERT INTO files (hash, size, name, created_at, stored_copies, exported_at, sync_id) " +
            "SELECT hash, size, name, created_at, 0, NULL, @y FROM cm_import_staged WHERE known = 0 ON CONFLICT (hash) DO NOTHING",
            cancellationToken, ("y", syncId)).ConfigureAwait(false);

        // The files the document touches stay as they are until it is applied (where rows can be
        // locked), and every record's size must be the one the catalog now holds: the earliest record
        // that differs, from the catalog or from an earlier record, aborts the whole import.
        if (RowLockClause.Length > 0)
        {
            await ExecuteAsync(connection, transaction,
                "SELECT hash FROM files WHERE hash IN (SELECT hash FROM cm_import_staged) ORDER BY hash" + RowLockClause, cancellationToken).ConfigureAwait(false);
        }

        var mismatch = Command(connection, transaction,
            "SELECT r.idx, f.size FROM cm_import_staged r JOIN files f ON f.hash = r.hash WHERE f.size <> r.size ORDER BY r.idx LIMIT 1");
        await using (mismatch.ConfigureAwait(false))
        {
            var reader = await mismatch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            var (index, known) = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? (Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture))
                : (int.MaxValue, 0L);
            if (conflict < index)
            {
                // A file new to the catalog, or known with the size of its first record: that size now stands.
                (index, known) = (conflict.Value, records.First(r => r.FileHash == records[conflict.Value].FileHash).FileSize);
            }

            if (index != int.MaxValue)
            {
                var record = records[index];
                throw new InvalidPayloadException(index, "filesize", $"this catalog knows {record.FileHash} with size {known}, the record says {record.FileSize}.");
            }
        }

        // Files known before: confirmed under the sync id unless another sync confirmed them first.
        await ExecuteAsync(connection, transaction,
            "UPDATE files SET sync_id = @y WHERE sync_id IS NULL AND hash IN (SELECT hash FROM cm_import_staged)",
            cancellationToken, ("y", syncId)).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the single-row statement <paramref name="sql"/> once for each of <paramref name="rows"/>,
    /// with the row's values in the parameters named by <paramref name="columns"/> (in order) and the
    /// same <paramref name="parameters"/> for every row. By default through one prepared command.
    /// </summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction the rows belong to.</param>
    /// <param name="sql">The statement, with <c>@name</c> parameters.</param>
    /// <param name="columns">The parameter names a row's values go to, without <c>@</c>.</param>
    /// <param name="rows">The rows; an enumerator may hand out one array again and again, refilled.</param>
    /// <param name="parameters">Parameters whose values are the same for every row.</param>
    /// <param name="cancellationToken">Stops between rows.</param>
    protected virtual async Task ExecuteEachRowAsync(
        DbConnection connection, DbTransaction transaction, string sql, IReadOnlyList<string> columns,
        IEnumerable<object?[]> rows, IReadOnlyList<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var command = new RepeatedCommand(connection, transaction, sql, columns, [.. parameters]);
        await using var commandScope = command.ConfigureAwait(false);
        foreach (var row in rows)
        {
            await command.Bind(row).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/>, whose rows come from <see cref="InsertedRows"/>, for every item: once per
    /// item through one prepared command, or once per chunk of items as one JSON array in <c>@d</c>.
    /// </summary>
    private async Task ExecuteRowsAsync<T>(
        DbConnection connection, DbTransaction transaction, string sql,
        IReadOnlyList<(string Name, string Type)> columns, IEnumerable<T> items, Action<object?[], T> valuesOf,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var values = new object?[columns.Count];
        if (JsonRowsSql(columns) is null)
        {
            var rows = items.Select(item =>
            {
                valuesOf(values, item);
                return values;
            });
            await ExecuteEachRowAsync(connection, transaction, sql, [.. columns.Select(c => c.Name)], rows, parameters, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Only the JSON form needs a text buffer: one per statement, reused across its chunks.
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var chunk in items.Chunk(JsonChunk))
        {
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer, WriterOptions))
            {
                json.WriteStartArray();
                foreach (var item in chunk)
                {
                    valuesOf(values, item);
                    json.WriteStartObject();
                    for (var i = 0; i < columns.Count; i++)
                    {
                        switch (values[i])
                        {
                            case long number:
                                json.WriteNumber(columns[i].Name, number);
                                break;
                            case string text:
                                json.WriteString(columns[i].Name, text);
                                break;
                            default:
                                json.WriteNull(columns[i].Name);
                                break;
                        }
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            await ExecuteAsync(connection, transaction, sql, cancellationToken, [.. parameters, ("d", Encoding.UTF8.GetString(buffer.WrittenSpan))]).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What a document adds, worked out in memory: the first record of each file (in document order),
    /// one link per file and host (the first URL the document gives; a host given without one is kept
    /// without a URL and recorded nowhere), and the earliest record whose size contradicts an earlier record of the same file.
    /// </summary>
    private sealed class ImportPlan
    {
        /// <summary>A copy to record: <see cref="File"/> is the index of the file's first record.</summary>
        public readonly record struct Link(int File, string Host, string? Url);

        public required IReadOnlyCollection<int> Firsts { get; init; }

        public required IReadOnlyList<Link> Links { get; init; }

        public required int? Conflict { get; init; }

        public static ImportPlan Of(IReadOnlyList<FilePayload> records)
        {
            var firsts = new Dictionary<ContentHash, int>(records.Count);
            var firstOf = new int[records.Count];
            var recordsOf = new int[records.Count];
            int? conflict = null;
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                ref var first = ref CollectionsMarshal.GetValueRefOrAddDefault(firsts, record.FileHash, out var known);
                if (!known)
                {
                    first = i;
                }
                else if (conflict is null && records[first].FileSize != record.FileSize)
                {
                    conflict = i;
                }

                firstOf[i] = first;
                recordsOf[first]++;
            }

            var links = new List<Link>(records.Count * 2);
            // Only a file given by several records, or a record naming a host twice, needs links merged.
            Dictionary<(int File, string Host), int>? linkOf = null;
            for (var i = 0; i < records.Count; i++)
            {
                var file = firstOf[i];
                var uploads = records[i].Uploads;
                if (recordsOf[file] == 1 && !NamesAHostTwice(uploads))
                {
                    foreach (var upload in uploads)
                    {
                        links.Add(new Link(file, upload.HostName, upload.Url));
                    }

                    continue;
                }

                linkOf ??= [];
                foreach (var upload in uploads)
                {
                    ref var existing = ref CollectionsMarshal.GetValueRefOrAddDefault(linkOf, (file, upload.HostName), out var linked);
                    if (!linked)
                    {
                        existing = links.Count;
                        links.Add(new Link(file, upload.HostName, upload.Url));
                    }
                    else if (upload.Url is not null && links[existing].Url is null)
                    {
                        links[existing] = links[existing] with { Url = upload.Url };
                    }
                }
            }

            return new ImportPlan { Firsts = firsts.Values, Links = links, Conflict = conflict };
        }

        private static bool NamesAHostTwice(IReadOnlyList<UploadLink> uploads)
        {
            // A long list is merged through the dictionary rather than compared pair by pair.
            if (uploads.Count > 8)
            {
                return true;
            }

            for (var i = 1; i < uploads.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (string.Equals(uploads[i].HostName, uploads[j].HostName, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
