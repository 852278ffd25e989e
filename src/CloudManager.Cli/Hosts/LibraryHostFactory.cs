using CloudManager.Hosts;
using CloudManager.Hosts.Resilience;

namespace CloudManager.Cli.Hosts;

/// <summary>
/// A host kind of the library, with the settings the tool documents and checks, and every host it
/// builds wrapped in the resilience decorator (timeouts, retries of transient errors), so that a
/// hung disk or server cannot stall a command.
/// </summary>
internal sealed class LibraryHostFactory(IStorageHostFactory inner, IReadOnlyList<HostSetting> settings) : IHostFactory
{
    public string Kind => inner.Kind;

    public IReadOnlyList<HostSetting> Settings => settings;

    public IStorageHost Create(HostDefinition definition)
    {
        try
        {
            return new ResilientStorageHost(inner.Create(definition.Name, definition.Settings));
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"Host '{definition.Name}' ({definition.Source}): {e.Message}");
        }
    }
}
