using Microsoft.Data.Sqlite;

// Usage: SqliteLookupProcess <catalog.db> <hash>; exit code 0 when the catalog knows the hash, 1 when not.
using var connection = new SqliteConnection($"Data Source={args[0]}");
connection.Open();
using var command = connection.CreateCommand();
command.CommandText = "SELECT 1 FROM files WHERE hash = @h";
command.Parameters.AddWithValue("@h", args[1]);
return command.ExecuteScalar() is null ? 1 : 0;
