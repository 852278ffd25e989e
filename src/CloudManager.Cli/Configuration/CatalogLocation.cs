using CloudManager.Catalog;
using Microsoft.Data.Sqlite;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// Where the catalog is, as the user named it: a SQLite file path, <c>sqlite:PATH</c>, a
/// <c>Data Source=…</c> connection string, or a PostgreSQL <c>postgres://</c> URI (its password
/// better comes from the <c>PGPASSWORD</c> environment variable than from a file).
/// </summary>
/// <param name="Value">What the library is given.</param>
/// <param name="FilePath">The database file, when there is one (not for <c>:memory:</c>).</param>
/// <param name="Source">Where the setting came from, for messages: <c>--db</c>, <c>CM_DB</c>, a config file.</param>
internal sealed record CatalogLocation(string Value, string? FilePath, string Source)
{
    public static CatalogLocation Parse(string text, string source, string baseFolder, UserFolders folders)
    {
        var value = text.Trim();
        if (value.Length == 0)
        {
            throw CliException.Usage($"The catalog from {source} is empty: give a SQLite file path.");
        }

        var scheme = value.IndexOf("://", StringComparison.Ordinal) is var at and > 0 ? value[..at].ToLowerInvariant() : null;
        if (scheme is "postgres" or "postgresql")
        {
            try
            {
                // Opening builds the connection settings only; nothing connects until the catalog is used.
                var probe = PostgresCatalog.Open(value);
                var display = probe.DisplayName;
                probe.DisposeAsync().AsTask().GetAwaiter().GetResult();
                return new CatalogLocation(value, null, source) { DisplayName = display, IsPostgres = true };
            }
            catch (ArgumentException e)
            {
                throw CliException.Usage($"The catalog '{Redact(value)}' from {source} is not a usable PostgreSQL URI: {e.Message}");
            }
        }

        if (scheme is not null && scheme != "sqlite")
        {
            throw CliException.Usage(
                $"The catalog '{Redact(value)}' from {source} uses '{scheme}', which cm does not know: give a SQLite file path (or sqlite:PATH) or a postgres:// URI.");
        }

        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            value = value["sqlite:".Length..];
            if (value.StartsWith("//", StringComparison.Ordinal))
            {
                value = value[2..];
            }
        }

        if (value.Contains('=', StringComparison.Ordinal))
        {
            SqliteConnectionStringBuilder builder;
            try
            {
                builder = new SqliteConnectionStringBuilder(value);
            }
            catch (ArgumentException e)
            {
                throw CliException.Usage($"The catalog connection string from {source} is not valid: {e.Message}");
            }

            var dataSource = builder.DataSource;
            var file = string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory
                ? null
                : Path.GetFullPath(folders.ExpandHome(dataSource), baseFolder);
            if (file is not null)
            {
                builder.DataSource = file;
            }

            return new CatalogLocation(builder.ToString(), file, source);
        }

        var path = Path.GetFullPath(folders.ExpandHome(value), baseFolder);
        return new CatalogLocation(path, path, source);
    }

    /// <summary>Whether the catalog is on PostgreSQL.</summary>
    public bool IsPostgres { get; init; }

    /// <summary>The PostgreSQL catalog for messages, password removed.</summary>
    private string? DisplayName { get; init; }

    /// <summary>The catalog for messages: its file, or the connection string (never a password).</summary>
    public string Display => DisplayName ?? FilePath ?? Value;

    /// <summary>Opens the catalog this location names.</summary>
    public ICatalog Open() => IsPostgres ? PostgresCatalog.Open(Value) : new SqliteCatalog(Value);

    private static string Redact(string uri) =>
        uri.IndexOf('@', StringComparison.Ordinal) is var at and > 0 && uri.IndexOf("://", StringComparison.Ordinal) is var s and > 0 && s < at
            ? uri[..(s + 3)] + "***" + uri[at..]
            : uri;
}
