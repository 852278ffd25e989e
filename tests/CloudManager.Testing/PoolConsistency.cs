using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace CloudManager.Testing;

/// <summary>
/// Reads a pool's SQLite catalog and cache folder directly (not through the pool under test) to
/// compare catalog states and to check the invariants a pool must keep after any failure.
/// </summary>
public static class PoolConsistency
{
    /// <summary>The tables a failed operation must leave exactly as they were.</summary>
    private static readonly string[] SnapshotQueries =
    [
        "SELECT hash, size, name, created_at, stored_copies, exported_at, sync_id FROM files ORDER BY hash",
        "SELECT hash, host, locator, state, attempts, last_error, updated_at FROM copies ORDER BY hash, host",
        "SELECT node_id, hash, size, pinned FROM cache_entries ORDER BY node_id, hash",
        "SELECT node_id, used_bytes FROM nodes ORDER BY node_id",
        "SELECT source, position FROM sync_cursors ORDER BY source",
    ];

    /// <summary>Every row of the catalog tables that describe files, copies and cache contents, as one text.</summary>
    public static string Snapshot(string database)
    {
        using var connection = Open(database);
        var text = new StringBuilder();
        foreach (var query in SnapshotQueries)
        {
            using var command = connection.CreateCommand();
            command.CommandText = query;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? "<null>" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append('|');
                }

                text.Append('\n');
            }

            text.Append("--\n");
        }

        return text.ToString();
    }

    /// <summary>The number of rows in the <c>files</c> table.</summary>
    public static long FileCount(string database) => Scalar(database, "SELECT COUNT(*) FROM files");

    /// <summary>The transfer meters of every node: (incoming, outgoing) summed over all months.</summary>
    public static (long Incoming, long Outgoing) TransferTotals(string database)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(incoming), 0), COALESCE(SUM(outgoing), 0) FROM transfers";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Checks a closed (or freshly reopened) pool: every cached row has its file with the right size
    /// and SHA-256; no object file lacks a row; no temp file remains; the node's used bytes equal the
    /// sum of its cached sizes and stay within <paramref name="cacheLimit"/>; stored-copy counts match
    /// the copy rows; every cached or copied hash has a file row.
    /// </summary>
    /// <returns>Every violation found, one line each; empty when the pool is consistent.</returns>
    public static IReadOnlyList<string> Violations(string database, string cacheFolder, long cacheLimit)
    {
        var problems = new List<string>();
        var nodeIdPath = Path.Combine(cacheFolder, "node-id");
        var nodeId = File.Exists(nodeIdPath) ? File.ReadAllText(nodeIdPath).Trim() : null;
        using var connection = Open(database);
        var cached = new Dictionary<string, long>(StringComparer.Ordinal);
        if (nodeId is not null)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT hash, size FROM cache_entries WHERE node_id = @node";
            command.Parameters.AddWithValue("@node", nodeId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                cached[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        foreach (var (hash, size) in cached)
        {
            var path = Path.Combine(cacheFolder, "objects", hash[..2], hash);
            if (!File.Exists(path))
            {
                problems.Add($"catalog says {hash} is cached, but {path} does not exist");
                continue;
            }

            var info = new FileInfo(path);
            if (info.Length != size)
            {
                problems.Add($"cached {hash} is {info.Length} bytes, the catalog says {size}");
                continue;
            }

            using var stream = File.OpenRead(path);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != hash)
            {
                problems.Add($"cached {hash} holds bytes whose SHA-256 is {actual}");
            }
        }

        var objects = Path.Combine(cacheFolder, "objects");
        if (Directory.Exists(objects))
        {
            foreach (var file in Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories))
            {
                if (!cached.ContainsKey(Path.GetFileName(file)))
                {
                    problems.Add($"orphan file in the cache: {file}");
                }
            }
        }

        var temp = Path.Combine(cacheFolder, "tmp");
        if (Directory.Exists(temp))
        {
            foreach (var file in Directory.EnumerateFiles(temp, "*", SearchOption.AllDirectories))
            {
                problems.Add($"temp file left behind: {file}");
            }
        }

        if (nodeId is not null)
        {
            var used = Scalar(connection, "SELECT used_bytes FROM nodes WHERE node_id = @node", nodeId);
            var sum = cached.Values.Sum();
            if (used != sum)
            {
                problems.Add($"used bytes are {used}, the cached files add up to {sum}");
            }

            if (used > cacheLimit)
            {
                problems.Add($"used bytes {used} exceed the cache limit {cacheLimit}");
            }
        }

        AddRows(connection, problems,
            "SELECT f.hash || ' has stored_copies ' || f.stored_copies || ' but ' || COUNT(c.hash) || ' stored copy rows' FROM files f " +
            "LEFT JOIN copies c ON c.hash = f.hash AND c.state = 0 GROUP BY f.hash, f.stored_copies HAVING f.stored_copies <> COUNT(c.hash)");
        AddRows(connection, problems, "SELECT 'cache row without a file row: ' || hash FROM cache_entries WHERE hash NOT IN (SELECT hash FROM files)");
        AddRows(connection, problems, "SELECT 'copy row without a file row: ' || hash FROM copies WHERE hash NOT IN (SELECT hash FROM files)");
        AddRows(connection, problems, "SELECT 'stored copy without a locator: ' || hash || ' on ' || host FROM copies WHERE state = 0 AND locator IS NULL");
        AddRows(connection, problems, "SELECT 'negative transfer meter for ' || node_id || ' ' || month FROM transfers WHERE incoming < 0 OR outgoing < 0");
        return problems;
    }

    /// <summary>Fails the test with every violation listed when the pool is not consistent.</summary>
    public static void AssertConsistent(string database, string cacheFolder, long cacheLimit)
    {
        var problems = Violations(database, cacheFolder, cacheLimit);
        Assert.True(problems.Count == 0, "The pool is not consistent:\n" + string.Join("\n", problems));
    }

    private static void AddRows(SqliteConnection connection, List<string> problems, string query)
    {
        using var command = connection.CreateCommand();
        command.CommandText = query;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            problems.Add(reader.GetString(0));
        }
    }

    private static long Scalar(string database, string query)
    {
        using var connection = Open(database);
        return Scalar(connection, query, null);
    }

    private static long Scalar(SqliteConnection connection, string query, string? node)
    {
        using var command = connection.CreateCommand();
        command.CommandText = query;
        if (node is not null)
        {
            command.Parameters.AddWithValue("@node", node);
        }

        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    private static SqliteConnection Open(string database)
    {
        // No pooling: a pooled handle would keep the file open after the test deletes its folder.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
