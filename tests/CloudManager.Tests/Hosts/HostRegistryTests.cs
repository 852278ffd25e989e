using CloudManager.Hosts;
using CloudManager.Hosts.Plowshare;
using CloudManager.Hosts.Rclone;
using CloudManager.Hosts.Resilience;
using CloudManager.Hosts.WebDav;
using CloudManager.Testing;

namespace CloudManager.Tests.Hosts;

public sealed class HostRegistryTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public void CreateDefault_registers_every_kind_of_this_assembly()
    {
        Assert.Equal(["directory", "plowshare", "rclone", "webdav"], HostRegistry.CreateDefault().Kinds);
    }

    [Fact]
    public void Add_refuses_a_second_factory_for_a_kind()
    {
        var registry = HostRegistry.CreateDefault();
        var error = Assert.Throws<ArgumentException>(() => registry.Add(new DirectoryHostFactory()));
        Assert.Contains("'directory'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_builds_each_kind_from_text_settings()
    {
        var registry = HostRegistry.CreateDefault();
        var directory = registry.Create("disk", "directory", new Dictionary<string, string> { ["path"] = _folder.Path, ["maxConcurrentTransfers"] = "7" });
        Assert.IsType<DirectoryHost>(Unwrap(directory));
        Assert.Equal(("disk", "directory", 7), (directory.Name, directory.Kind, directory.Capabilities.MaxConcurrentTransfers));

        var rclone = Assert.IsType<RcloneHost>(Unwrap(registry.Create("r2", "rclone", new Dictionary<string, string> { ["remote"] = "r2:pool", ["configPath"] = "/etc/pool/rclone.conf" })));
        Assert.Equal("r2:pool", rclone.Remote);

        var dav = Assert.IsType<WebDavHost>(Unwrap(registry.Create("nas", "webdav", new Dictionary<string, string> { ["url"] = "https://nas.example/dav/pool" })));
        Assert.Equal("https://nas.example/dav/pool/", dav.Url.AbsoluteUri);

        var locker = Assert.IsType<PlowshareHost>(Unwrap(registry.Create("mf", "plowshare", new Dictionary<string, string> { ["module"] = "mediafire" })));
        Assert.Equal("mediafire", locker.Module);
    }

    [Fact]
    public void Create_wraps_every_host_in_the_resilience_decorator()
    {
        var registry = HostRegistry.CreateDefault();
        registry.Resilience = new ResilientStorageHostOptions { MaxRetryAttempts = 0 };

        var host = registry.Create("disk", "directory", new Dictionary<string, string> { ["path"] = _folder.Path });

        Assert.IsType<ResilientStorageHost>(host);
        registry.Resilience = new ResilientStorageHostOptions { MaxRetryAttempts = -1 };
        Assert.Throws<ArgumentOutOfRangeException>(() => registry.Create("disk", "directory", new Dictionary<string, string> { ["path"] = _folder.Path }));
    }

    [Fact]
    public void Create_checks_settings_against_the_declared_options_before_the_factory_runs()
    {
        var registry = new HostRegistry().Add(new UndeclaredReader());

        var unknown = Assert.Throws<ArgumentException>(() => registry.Create("h", "test", new Dictionary<string, string> { ["colour"] = "red" }));
        Assert.StartsWith("Host 'h' has unknown setting 'colour': a test host accepts size.", unknown.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<ArgumentException>(() => registry.Create("h", "test", new Dictionary<string, string>()));
        Assert.StartsWith("Host 'h' needs setting 'size': How big.", missing.Message, StringComparison.Ordinal);
        Assert.Equal("size", missing.ParamName);
        Assert.Throws<InvalidOperationException>(() => registry.Create("h", "test", new Dictionary<string, string> { ["size"] = "1" }));
    }

    [Fact]
    public void Every_option_of_every_kind_has_a_description_and_a_default_only_where_optional()
    {
        foreach (var kind in HostRegistry.CreateDefault().Kinds)
        {
            var options = HostRegistry.CreateDefault().Options("h", kind);
            Assert.Equal(options.Count, options.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count());
            Assert.All(options, o => Assert.EndsWith(".", o.Description, StringComparison.Ordinal));
            Assert.All(options, o => Assert.False(o.Required && o.Default is not null, $"{kind}.{o.Name}"));
        }
    }

    [Fact]
    public void Create_names_an_unknown_kind_and_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => HostRegistry.CreateDefault().Create("x", "ftp", new Dictionary<string, string>()));
        Assert.Contains("'ftp'", error.Message, StringComparison.Ordinal);
        Assert.Contains("webdav", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("directory", "path", "/mnt/b", "pth")]
    [InlineData("rclone", "remote", "r2:pool", "config")]
    [InlineData("webdav", "url", "http://127.0.0.1/", "password")]
    [InlineData("plowshare", "module", "mediafire", "timeout")]
    public void Factories_refuse_unknown_settings_by_name(string kind, string requiredKey, string requiredValue, string unknownKey)
    {
        var error = Assert.Throws<ArgumentException>(() => HostRegistry.CreateDefault().Create(
            "h", kind, new Dictionary<string, string> { [requiredKey] = requiredValue, [unknownKey] = "x" }));
        Assert.Contains($"'{unknownKey}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(unknownKey, error.ParamName);
    }

    [Fact]
    public void Factories_refuse_values_out_of_range_and_missing_required_settings()
    {
        var registry = HostRegistry.CreateDefault();
        var range = Assert.Throws<ArgumentException>(() => registry.Create("h", "directory", new Dictionary<string, string> { ["path"] = "/x", ["maxConcurrentTransfers"] = "0" }));
        Assert.Contains("maxConcurrentTransfers", range.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<ArgumentException>(() => registry.Create("h", "rclone", new Dictionary<string, string>()));
        Assert.Contains("'remote'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_come_only_from_the_environment_variable_a_setting_names()
    {
        var variable = $"POOL_TEST_DAV_{Guid.NewGuid():N}";
        var registry = HostRegistry.CreateDefault();
        var settings = new Dictionary<string, string> { ["url"] = "http://127.0.0.1/", ["user"] = "u", ["passwordEnv"] = variable };
        var unset = Assert.Throws<ArgumentException>(() => registry.Create("nas", "webdav", settings));
        Assert.Contains(variable, unset.Message, StringComparison.Ordinal);

        Environment.SetEnvironmentVariable(variable, "hunter2");
        try
        {
            var host = registry.Create("nas", "webdav", settings);
            Assert.DoesNotContain("hunter2", host.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Assert.Throws<ArgumentException>(() => registry.Create("nas", "webdav", new Dictionary<string, string> { ["url"] = "http://x/", ["password"] = "hunter2" }));
    }

    public void Dispose() => _folder.Dispose();

    private static IStorageHost Unwrap(IStorageHost host) => Assert.IsType<ResilientStorageHost>(host).Inner;

    /// <summary>A kind whose factory reads a setting it does not declare.</summary>
    private sealed class UndeclaredReader : IStorageHostFactory
    {
        public string Kind => "test";

        public IReadOnlyList<HostOption> Options { get; } = [new("size", "How big.", Required: true)];

        public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
        {
            var read = new HostSettings(name, Kind, settings, Options);
            _ = read.Optional("colour");
            throw new InvalidOperationException("not reached");
        }
    }
}
