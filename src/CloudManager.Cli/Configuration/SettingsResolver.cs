using System.Globalization;
using CloudManager.Cli.Hosts;
using CloudManager.Cli.Output;
using CloudManager.Eviction;
using CloudManager.Hosts;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// Merges the settings in order of precedence: command line, then environment variables, then the
/// config file, then the embedded default. Every invalid value is an error naming where it came from.
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
        var configFolder = configPath is null ? _currentFolder : Path.GetDirectoryName(configPath)!;
        var dataFolder = Folders.DataFolder;
        var defaults = new CloudPoolOptions();

        var catalog = Pick(overrides.Database, "--db", EnvironmentNames.Database, file?.Catalog, fileSource) is { } c
            ? CatalogLocation.Parse(c.Value, c.Source, c.FromFile ? configFolder : _currentFolder, Folders)
            : null;

        var storage = Pick(overrides.Storage, "--storage", EnvironmentNames.Storage, file?.Cache, fileSource) is { } s
            ? Path.GetFullPath(Folders.ExpandHome(s.Value), s.FromFile ? configFolder : _currentFolder)
            : EmbeddedDefault.CachePath(dataFolder);

        var capacity = overrides.Capacity
            ?? EnvironmentSize(EnvironmentNames.Capacity)
            ?? file?.Capacity
            ?? EmbeddedDefault.Capacity;

        var maxFill = EnvironmentNumber(EnvironmentNames.MaxFill) ?? file?.MaxFill ?? defaults.MaxFill;
        if (!(maxFill > 0 && maxFill <= 1))
        {
            throw CliException.Usage($"maxFill ({SourceOf(EnvironmentNames.MaxFill, fileSource)}) must be greater than 0 and at most 1, not {maxFill.ToString(CultureInfo.InvariantCulture)}.");
        }

        var policy = NonEmpty(_environment(EnvironmentNames.EvictionPolicy)) ?? file?.EvictionPolicy ?? defaults.EvictionPolicy.Name;
        if (!EvictionPolicies.All.Any(p => string.Equals(p.Name, policy, StringComparison.OrdinalIgnoreCase)))
        {
            throw CliException.Usage(
                $"Unknown eviction policy '{policy}' ({SourceOf(EnvironmentNames.EvictionPolicy, fileSource)}): choose one of {string.Join(", ", EvictionPolicies.All.Select(p => p.Name))}.");
        }

        var redundancy = EnvironmentInteger(EnvironmentNames.Redundancy) ?? file?.Redundancy ?? defaults.Redundancy;
        if (redundancy is < 1 or > 16)
        {
            throw CliException.Usage($"redundancy ({SourceOf(EnvironmentNames.Redundancy, fileSource)}) must be from 1 to 16, not {redundancy}.");
        }

        var minCopies = EnvironmentInteger(EnvironmentNames.MinCopies) ?? file?.MinCopies ?? Math.Min(defaults.MinCopies, redundancy);
        if (minCopies < 1 || minCopies > redundancy)
        {
            throw CliException.Usage($"minCopies ({SourceOf(EnvironmentNames.MinCopies, fileSource)}) must be from 1 to redundancy ({redundancy}), not {minCopies}.");
        }

        var nodeId = NonEmpty(_environment(EnvironmentNames.NodeId)) ?? file?.NodeId;
        if (nodeId is not null && (nodeId.Length > 128 || nodeId.Any(char.IsControl)))
        {
            throw CliException.Usage($"The node id ({SourceOf(EnvironmentNames.NodeId, fileSource)}) must be 1 to 128 printable characters.");
        }

        var hosts = file is null ? EmbeddedDefault.Hosts(dataFolder) : file.Hosts ?? [];
        return new PoolSettings
        {
            Catalog = catalog ?? new CatalogLocation(EmbeddedDefault.CatalogPath(dataFolder), EmbeddedDefault.CatalogPath(dataFolder), "the default location"),
            IsCatalogExplicit = catalog is not null,
            StoragePath = storage,
            Capacity = capacity,
            MaxFill = maxFill,
            EvictionPolicy = policy,
            Redundancy = redundancy,
            MinCopies = minCopies,
            NodeId = nodeId,
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

    private string SourceOf(string variable, string fileSource) =>
        NonEmpty(_environment(variable)) is not null ? variable : fileSource;

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
