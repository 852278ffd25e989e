using CloudManager.Hosts;

namespace CloudManager.Cli.Hosts;

/// <summary>
/// The one explicit list of host kinds the tool knows. A new kind is a new <see cref="IHostFactory"/>
/// added to <see cref="Default"/>; nothing is discovered by scanning.
/// </summary>
internal sealed class HostFactoryRegistry
{
    private readonly Dictionary<string, IHostFactory> _factories = new(StringComparer.Ordinal);

    public HostFactoryRegistry(IEnumerable<IHostFactory> factories)
    {
        foreach (var factory in factories)
        {
            if (!_factories.TryAdd(factory.Kind, factory))
            {
                throw new InvalidOperationException($"Two host factories claim the kind '{factory.Kind}'.");
            }
        }
    }

    /// <summary>Every kind this build of <c>cm</c> supports.</summary>
    public static HostFactoryRegistry Default { get; } = new([new DirectoryHostFactory()]);

    public IEnumerable<string> Kinds => _factories.Keys.Order(StringComparer.Ordinal);

    /// <summary>The factory of a kind.</summary>
    /// <exception cref="CliException">No factory has that kind (exit code 2).</exception>
    public IHostFactory Get(string kind, string hostName, string source) =>
        _factories.TryGetValue(kind, out var factory)
            ? factory
            : throw CliException.Usage($"Host '{hostName}' ({source}) has unknown kind '{kind}': this cm supports {string.Join(", ", Kinds)}.");

    /// <summary>Checks a definition's keys against its kind, then builds the host.</summary>
    /// <exception cref="CliException">Unknown kind, unknown or missing setting, or a bad value (exit code 2).</exception>
    public IStorageHost Create(HostDefinition definition)
    {
        var factory = Get(definition.Kind, definition.Name, definition.Source);
        var known = factory.Settings.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var key in definition.Settings.Keys)
        {
            if (!known.Contains(key))
            {
                throw CliException.Usage(
                    $"Host '{definition.Name}' ({definition.Source}) has unknown setting '{key}': a {factory.Kind} host accepts {string.Join(", ", known)}.");
            }
        }

        foreach (var setting in factory.Settings.Where(s => s.Required))
        {
            if (!definition.Settings.TryGetValue(setting.Name, out var value) || string.IsNullOrWhiteSpace(value))
            {
                throw CliException.Usage(
                    $"Host '{definition.Name}' ({definition.Source}) needs setting '{setting.Name}': {setting.Description}"
                    + (setting.Secret ? $" Set it in the environment variable {EnvironmentNames.HostSetting(definition.Name, setting.Name)}." : ""));
            }
        }

        return factory.Create(definition);
    }
}
