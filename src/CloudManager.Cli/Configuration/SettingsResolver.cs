using System.Globalization;
using CloudManager.Cli.Hosts;
using CloudManager.Cli.Output;
using CloudManager.Eviction;
using CloudManager.Hosts;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// Merges the settings in order of precedence: command line, then environment variables, then the
/// config file, then the embedded default. Values are checked by the library's
/// <c>CloudPoolOptions.Validate</c>; every invalid value is an error naming where it came from.
/// </summary>
internal sealed class SettingsResolver
{
    /// <summary>The config file looked for in the current folder.</summary>
    public const string LocalConfigFileName = "cloudmanager.json";

    private readonly Func<string, string?> _environment;
    private readonly string _currentFolder;
    private readonly HostRegistry _registry;

    public SettingsResolver(Func<string, string?> environment, string currentFolder, HostRegistry registry)
    {
        _environment = environment;
        _currentFolder = currentFolder;
        _registry = registry;
        Folders = UserFolders.From(environment);
    }

    public UserFolders Folders { get; }

    /// <summary>
    /// The config file to read: <c>--config</c>, else <c>CM_CONFIG</c>, else <c>./cloudmanager.json</c>,
    /// else the user's config folder; null when there is none (the embedded default applies).
    /// </summary>
    /// <exception cref="CliException">A file named by <c>--config</c> or <c>CM_CONFIG</c> does not exist.</exception>
    public string? LocateConfigFile(string? explicitPath)
    {
        foreach (var (value, source) in new[] { (explicitPath, "--config"), (_environment(EnvironmentNames.Config), EnvironmentNames.Config) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            var path = Path.GetFullPath(Folders.ExpandHome(value), _currentFolder);
            return File.Exists(path)
                ? path
                : throw CliException.Usage($"Config file not found at {path} (from {source}): check the path, or run `cm init {path}` to write one.");
        }

        var local = Path.Combine(_currentFolder, LocalConfigFileName);
        if (File.Exists(local))
        {
            return local;
        }

        return File.Exists(Folders.ConfigFile) ? Folders.ConfigFile : null;
    }

    public PoolSettings Resolve(CommandLineOverrides overrides)
    {
        var configPath = LocateConfigFile(overrides.ConfigPath);
        var file = configPath is null ? null : ConfigFileReader.Read(configPath, Folders);
        var fileSource = $"config file {configPath}";
        string InFile(string property) => $"{ConfigJson.KeyOf(property)} in {fileSource}";
        var configFolder = configPath is null ? _currentFolder : Path.GetDirectoryName(configPath)!;
        var dataFolder = Folders.DataFolder;
        var defaults = new CloudPoolOptions();

        var catalog = Pick(overrides.Database, "--db", EnvironmentNames.Database, file?.Catalog, fileSource) is { } c
            ? CatalogLocation.Parse(c.Value, c.Source, c.FromFile ? configFolder : _currentFolder, Folders)
            : null;

        var storage = Pick(overrides.Storage, "--storage", EnvironmentNames.Storage, file?.Cache, fileSource) is { } s
            ? Path.GetFullPath(Folders.ExpandHome(s.Value), s.FromFile ? configFolder : _currentFolder)
            : EmbeddedDefault.CachePath(dataFolder);

        // Each value from the first place that sets it; CloudPoolOptions.Validate checks them all, once.
        var sources = new SettingSources();
        var capacity = sources.Take(
            nameof(CloudPoolOptions.CapacityBytes),
            EmbeddedDefault.Capacity,
            (overrides.Capacity, "--capacity"),
            (EnvironmentSize(EnvironmentNames.Capacity), EnvironmentNames.Capacity),
            (file?.Capacity, InFile(nameof(ConfigDocument.Capacity))));
        var maxFill = sources.Take(
            nameof(CloudPoolOptions.MaxFill),
            defaults.MaxFill,
            (EnvironmentNumber(EnvironmentNames.MaxFill), EnvironmentNames.MaxFill),
            (file?.MaxFill, InFile(nameof(ConfigDocument.MaxFill))));
        var policy = sources.TakeText(
            nameof(CloudPoolOptions.EvictionPolicy),
            defaults.EvictionPolicy.Name,
            (_environment(EnvironmentNames.EvictionPolicy), EnvironmentNames.EvictionPolicy),
            (file?.EvictionPolicy, InFile(nameof(ConfigDocument.EvictionPolicy))))!;
        var redundancy = sources.Take(
            nameof(CloudPoolOptions.Redundancy),
            defaults.Redundancy,
            (EnvironmentInteger(EnvironmentNames.Redundancy), EnvironmentNames.Redundancy),
            (file?.Redundancy, InFile(nameof(ConfigDocument.Redundancy))));
        var minCopies = sources.Take(
            nameof(CloudPoolOptions.MinCopies),
            Math.Min(defaults.MinCopies, redundancy),
            (EnvironmentInteger(EnvironmentNames.MinCopies), EnvironmentNames.MinCopies),
            (file?.MinCopies, InFile(nameof(ConfigDocument.MinCopies))));
        var nodeId = sources.TakeText(
            nameof(CloudPoolOptions.NodeId),
            null,
            (_environment(EnvironmentNames.NodeId), EnvironmentNames.NodeId),
            (file?.NodeId, InFile(nameof(ConfigDocument.NodeId))));
        sources.Record(nameof(CloudPoolOptions.MemoryCacheBytes), $"{ConfigJson.KeyOf(nameof(ConfigDocument.Gateway))}.{InFile(nameof(GatewayConfig.MemoryCache))}");
        var catalogLocation = catalog ?? new CatalogLocation(EmbeddedDefault.CatalogPath(dataFolder), EmbeddedDefault.CatalogPath(dataFolder), "the default location");
        sources.Check(
            () => new CloudPoolOptions
            {
                Database = catalogLocation.Value,
                StoragePath = storage,
                CapacityBytes = capacity,
                MaxFill = maxFill,
                EvictionPolicy = sources.Check(() => EvictionPolicies.FromName(policy), nameof(CloudPoolOptions.EvictionPolicy)),
                Redundancy = redundancy,
                MinCopies = minCopies,
                NodeId = nodeId,
                MemoryCacheBytes = file?.Gateway?.MemoryCache ?? CloudPoolOptions.DefaultMemoryCacheBytes,
            }.Validate());

        var hosts = file is null ? EmbeddedDefault.Hosts(dataFolder) : ConfigFileReader.Definitions(file, fileSource);
        return new PoolSettings
        {
            Catalog = catalogLocation,
            IsCatalogExplicit = catalog is not null,
            StoragePath = storage,
            Capacity = capacity,
            MaxFill = maxFill,
            EvictionPolicy = policy,
            Redundancy = redundancy,
            MinCopies = minCopies,
            NodeId = nodeId,
            ClockOffset = Configuration.ClockOffset.Parse(_environment(EnvironmentNames.ClockOffset)),
            Hosts = ApplyEnvironment(hosts, file is not null),
            Gateway = file?.Gateway,
            ConfigPath = configPath,
            DataFolder = dataFolder,
        };
    }

    /// <summary>Overrides host settings from <c>CM_HOST_&lt;NAME&gt;_&lt;SETTING&gt;</c>; refuses secrets written in the file.</summary>
    private List<HostDefinition> ApplyEnvironment(IReadOnlyList<HostDefinition> hosts, bool fromFile)
    {
        var result = new List<HostDefinition>(hosts.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            if (string.IsNullOrWhiteSpace(host.Name) || host.Name.Length > Exchange.PayloadJson.MaxHostNameLength || host.Name.Any(char.IsControl))
            {
                throw CliException.Usage($"A host name ({host.Source}) must be 1 to {Exchange.PayloadJson.MaxHostNameLength} printable characters, not '{host.Name}'.");
            }

            if (!names.Add(host.Name))
            {
                throw CliException.Usage($"Two hosts are named '{host.Name}' ({host.Source}): host names must be unique.");
            }

            var settings = new Dictionary<string, string>(host.Settings, StringComparer.Ordinal);
            foreach (var setting in _registry.Options(host))
            {
                if (setting.Secret && fromFile && settings.ContainsKey(setting.Name))
                {
                    throw CliException.Usage(
                        $"Host '{host.Name}' ({host.Source}): '{setting.Name}' is a secret and must not be in the config file: set {EnvironmentNames.HostSetting(host.Name, setting.Name)} instead.");
                }

                if (NonEmpty(_environment(EnvironmentNames.HostSetting(host.Name, setting.Name))) is { } value)
                {
                    settings[setting.Name] = value;
                }
            }

            result.Add(host with { Settings = settings });
        }

        return result;
    }

    /// <summary>The first of command line, environment variable and config file that is set, with where it came from.</summary>
    private (string Value, string Source, bool FromFile)? Pick(string? commandLine, string option, string variable, string? fromFile, string fileSource)
    {
        if (NonEmpty(commandLine) is { } a)
        {
            return (a, option, false);
        }

        if (NonEmpty(_environment(variable)) is { } b)
        {
            return (b, variable, false);
        }

        return NonEmpty(fromFile) is { } c ? (c, fileSource, true) : null;
    }

    private long? EnvironmentSize(string variable) =>
        NonEmpty(_environment(variable)) is not { } text ? null
        : ByteSize.TryParse(text, out var bytes, out var problem) ? bytes
        : throw CliException.Usage($"{variable}: {problem}");

    private int? EnvironmentInteger(string variable) =>
        NonEmpty(_environment(variable)) is not { } text ? null
        : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value
        : throw CliException.Usage($"{variable} must be a whole number, not '{text}'.");

    private double? EnvironmentNumber(string variable) =>
        NonEmpty(_environment(variable)) is not { } text ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
        : throw CliException.Usage($"{variable} must be a number, not '{text}'.");

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
