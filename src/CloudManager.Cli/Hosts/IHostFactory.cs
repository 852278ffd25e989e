using CloudManager.Hosts;

namespace CloudManager.Cli.Hosts;

/// <summary>Builds storage hosts of one kind from their configuration; registered in <see cref="HostFactoryRegistry"/>.</summary>
internal interface IHostFactory
{
    /// <summary>The <c>kind</c> this factory answers to in the config file.</summary>
    string Kind { get; }

    /// <summary>Every setting the kind accepts; any other key is an error.</summary>
    IReadOnlyList<HostSetting> Settings { get; }

    /// <summary>Creates the host. The registry has checked that keys are known and required ones present.</summary>
    /// <exception cref="CliException">A setting's value is not valid (exit code 2).</exception>
    IStorageHost Create(HostDefinition definition);
}
