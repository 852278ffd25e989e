using CloudManager.Cli.Configuration;
using CloudManager.Cli.Hosts;

namespace CloudManager.Cli.Tests;

public sealed class SettingsResolverTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cm-settings-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public SettingsResolverTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "home"));
        Directory.CreateDirectory(Path.Combine(_root, "work"));
        _environment["HOME"] = Path.Combine(_root, "home");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Resolve_without_a_config_file_uses_the_embedded_default_under_the_data_folder()
    {
        var settings = Resolver().Resolve(new CommandLineOverrides(null, null, null, null));

        var data = Path.Combine(_root, "home", ".local", "share", "cloud-manager");
        Assert.True(settings.IsEmbeddedDefault);
        Assert.False(settings.IsCatalogExplicit);
        Assert.Equal(Path.Combine(data, "catalog.db"), settings.Catalog.FilePath);
        Assert.Equal(Path.Combine(data, "cache"), settings.StoragePath);
        Assert.Equal(10L << 30, settings.Capacity);
        Assert.Equal((3, 2), (settings.Redundancy, settings.MinCopies));
        Assert.Equal(["host-1", "host-2", "host-3"], settings.Hosts.Select(h => h.Name));
        Assert.All(settings.Hosts, h => Assert.StartsWith(Path.Combine(data, "hosts"), h.Settings["path"], StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_prefers_command_line_then_environment_then_config_file()
    {
        _environment["XDG_CONFIG_HOME"] = Path.Combine(_root, "xdg");
        WriteFile(Path.Combine(_root, "xdg", "cloud-manager", "config.json"), """
            { "catalog": "from-file.db", "cache": "file-cache", "capacity": "1GiB", "redundancy": 2, "minCopies": 1,
              "hosts": [ { "name": "disk", "kind": "directory", "settings": { "path": "disk" } } ] }
            """);
        _environment["CM_CAPACITY"] = "2GiB";
        _environment["CM_STORAGE"] = "/env/cache";
        _environment["CM_HOST_DISK_PATH"] = "/mnt/disk";

        var settings = Resolver().Resolve(new CommandLineOverrides(null, null, null, 3L << 30));

        var configFolder = Path.Combine(_root, "xdg", "cloud-manager");
        Assert.Equal(Path.Combine(configFolder, "config.json"), settings.ConfigPath);
        Assert.Equal(Path.Combine(configFolder, "from-file.db"), settings.Catalog.FilePath);
        Assert.True(settings.IsCatalogExplicit);
        Assert.Equal("/env/cache", settings.StoragePath);
        Assert.Equal(3L << 30, settings.Capacity);
        Assert.Equal((2, 1), (settings.Redundancy, settings.MinCopies));
        Assert.Equal("/mnt/disk", Assert.Single(settings.Hosts).Settings["path"]);
    }

    [Fact]
    public void LocateConfigFile_prefers_the_current_folder_over_the_user_config_folder()
    {
        WriteFile(Path.Combine(_root, "home", ".config", "cloud-manager", "config.json"), "{}");
        var local = WriteFile(Path.Combine(_root, "work", "cloudmanager.json"), "{}");

        Assert.Equal(local, Resolver().LocateConfigFile(null));
    }

    [Fact]
    public void Config_file_without_hosts_has_none_and_a_catalog_from_it_is_explicit()
    {
        WriteFile(Path.Combine(_root, "work", "cloudmanager.json"), """{ "catalog": "sqlite:///srv/c.db", }""");

        var settings = Resolver().Resolve(new CommandLineOverrides(null, null, null, null));

        Assert.Empty(settings.Hosts);
        Assert.Equal("/srv/c.db", settings.Catalog.FilePath);
        Assert.False(settings.IsEmbeddedDefault);
    }

    [Theory]
    [InlineData("mysql://user:secret@db/pool", "does not know")]
    [InlineData("postgres://user:secret@db", "not a usable PostgreSQL URI")]
    [InlineData("   ", "empty")]
    public void Catalog_that_is_neither_sqlite_nor_postgres_is_a_usage_error(string value, string expected)
    {
        var error = Assert.Throws<CliException>(() => CatalogLocation.Parse(value, "--db", _root, UserFolders.From(_ => null)));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_uri_names_a_postgres_catalog_and_hides_its_password()
    {
        var location = CatalogLocation.Parse("postgres://user:secret@db.example/pool", "--db", _root, UserFolders.From(_ => null));

        Assert.True(location.IsPostgres);
        Assert.Null(location.FilePath);
        Assert.Equal("postgres://user@db.example:5432/pool", location.Display);
    }

    [Fact]
    public void Environment_value_that_is_not_a_number_names_the_variable()
    {
        _environment["CM_REDUNDANCY"] = "three";

        var error = Assert.Throws<CliException>(() => Resolver().Resolve(new CommandLineOverrides(null, null, null, null)));

        Assert.Contains("CM_REDUNDANCY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_setting_variable_names_are_upper_case_with_underscores()
    {
        Assert.Equal("CM_HOST_HOST_1_PATH", EnvironmentNames.HostSetting("host-1", "path"));
        Assert.Equal("CM_HOST_DISK_B_MAX_CONCURRENT_TRANSFERS", EnvironmentNames.HostSetting("disk.b", "maxConcurrentTransfers"));
    }

    [Fact]
    public void Registry_knows_every_kind_of_the_library_and_s3()
    {
        Assert.Equal(["directory", "plowshare", "rclone", "s3", "webdav"], CliHosts.Registry.Kinds);
    }

    [Fact]
    public void The_clock_offset_applies_only_when_CM_CLOCK_OFFSET_is_set_and_a_bad_value_is_refused()
    {
        var none = CommandLineOverrides();
        Assert.Null(Resolver().Resolve(none).ClockOffset);
        _environment["CM_CLOCK_OFFSET"] = "";
        Assert.Null(Resolver().Resolve(none).ClockOffset);

        foreach (var (text, offset) in new[] { ("400d", TimeSpan.FromDays(400)), ("-90m", TimeSpan.FromMinutes(-90)), ("+2h", TimeSpan.FromHours(2)), ("0s", TimeSpan.Zero) })
        {
            _environment["CM_CLOCK_OFFSET"] = text;
            Assert.Equal(offset, Resolver().Resolve(none).ClockOffset);
        }

        foreach (var bad in new[] { "400", "400 days", "1.5d", "d", "tomorrow", "36501d", "99999999999s" })
        {
            _environment["CM_CLOCK_OFFSET"] = bad;
            var error = Assert.Throws<CliException>(() => Resolver().Resolve(none));
            Assert.Equal(ExitCodes.Usage, error.ExitCode);
            Assert.Contains("CM_CLOCK_OFFSET", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal("400d ahead", ClockOffset.Describe(TimeSpan.FromDays(400)));
        Assert.Equal("1d 2h behind", ClockOffset.Describe(-TimeSpan.FromHours(26)));
    }

    private static CommandLineOverrides CommandLineOverrides() => new(null, null, null, null);

    private SettingsResolver Resolver() =>
        new(name => _environment.GetValueOrDefault(name), Path.Combine(_root, "work"), CliHosts.Registry);

    private static string WriteFile(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
