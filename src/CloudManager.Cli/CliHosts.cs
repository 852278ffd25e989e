using CloudManager.Cli.Hosts;
using CloudManager.Hosts;
using CloudManager.Hosts.Encryption;
using CloudManager.Hosts.S3;

namespace CloudManager.Cli;

/// <summary>
/// The host kinds this build of <c>cm</c> supports, and the creation of hosts from their definitions
/// with every error turned into a usage error that says where the host was defined.
/// </summary>
internal static class CliHosts
{
    /// <summary>Every kind of the library, and <c>s3</c>.</summary>
    public static HostRegistry Registry { get; } = HostRegistry.CreateDefault().Add(new S3HostFactory());

    /// <summary>Builds the host a definition describes, wrapped by the registry in the resilience decorator.</summary>
    /// <exception cref="CliException">Unknown kind, unknown or missing setting, or a bad value (exit code 2).</exception>
    public static IStorageHost Create(this HostRegistry registry, HostDefinition definition)
    {
        // The keys are read first, so that a bad key leaves no host undisposed.
        var keys = definition.Encryption is { } encryption ? LoadKeys(definition, encryption) : null;
        IStorageHost host;
        try
        {
            host = registry.Create(definition.Name, definition.Kind, definition.Settings);
        }
        catch (ArgumentException e)
        {
            throw Usage(registry, definition, e);
        }

        return keys is null ? host : new EncryptedStorageHost(host, keys, definition.Encryption!.Describe());
    }

    /// <summary>Reads the key ring of an encrypted host from its key file or environment variable.</summary>
    /// <exception cref="CliException">The file or variable is missing, unreadable, readable by others or malformed (exit code 2).</exception>
    public static EncryptionKeyRing LoadKeys(HostDefinition definition, HostEncryption encryption)
    {
        var prefix = $"Host '{definition.Name}' ({definition.Source})";
        try
        {
            if (encryption.KeyFile is { } file)
            {
                return EncryptionKeyRing.Load(file);
            }

            var text = Environment.GetEnvironmentVariable(encryption.KeyEnv!);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw CliException.Usage(
                    $"{prefix}: its key is read from the environment variable {encryption.KeyEnv}, which is not set. Set it to the text of the host's key file (made by `cm hosts keygen FILE`).");
            }

            return EncryptionKeyRing.Parse(System.Text.Encoding.UTF8.GetBytes(text), $"the environment variable {encryption.KeyEnv}");
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"{prefix}: {ErrorDescriptions.Plain(e)} Nothing was written.");
        }
    }

    /// <summary>The settings a definition's kind accepts.</summary>
    /// <exception cref="CliException">The kind is unknown (exit code 2).</exception>
    public static IReadOnlyList<HostOption> Options(this HostRegistry registry, HostDefinition definition)
    {
        try
        {
            return registry.Options(definition.Name, definition.Kind);
        }
        catch (ArgumentException e)
        {
            throw Usage(registry, definition, e);
        }
    }

    /// <summary>Every kind's settings, from their declarations: name, meaning, range and default.</summary>
    public static void WriteSettingsHelp(TextWriter output)
    {
        output.WriteLine($"Host kinds and their settings (* required); a secret is read only from {EnvironmentNames.HostSettingPattern}:");
        foreach (var kind in Registry.Kinds)
        {
            output.WriteLine($"  {kind}");
            foreach (var option in Registry.Options("example", kind))
            {
                var facts = new[] { option.Range, option.Default is { Length: > 0 } value ? "default " + value : null, option.Secret ? "secret" : null }
                    .OfType<string>().ToList();
                var name = option.Required ? option.Name + "*" : option.Name;
                output.WriteLine($"    {name,-26}{option.Description}{(facts.Count > 0 ? $" ({string.Join(", ", facts)})" : "")}");
            }
        }
    }

    /// <summary>
    /// The registry's message with the definition's source after the host's name
    /// (<c>Host 'disk' (config file /etc/cm.json) has unknown setting ...</c>), and for a secret
    /// setting the environment variable it is read from.
    /// </summary>
    private static CliException Usage(HostRegistry registry, HostDefinition definition, ArgumentException e)
    {
        var prefix = $"Host '{definition.Name}'";
        var plain = ErrorDescriptions.Plain(e);
        var message = plain.StartsWith(prefix, StringComparison.Ordinal)
            ? $"{prefix} ({definition.Source}){plain[prefix.Length..]}"
            : $"{prefix} ({definition.Source}): {plain}";
        if (registry.Contains(definition.Kind)
            && registry.Options(definition.Name, definition.Kind).FirstOrDefault(o => o.Name == e.ParamName) is { Secret: true } secret)
        {
            message += $" Set it in the environment variable {EnvironmentNames.HostSetting(definition.Name, secret.Name)}.";
        }

        return CliException.Usage(message);
    }
}
