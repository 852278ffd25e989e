using CloudManager.Hosts.Plowshare;
using CloudManager.Hosts.Rclone;
using CloudManager.Hosts.Resilience;
using CloudManager.Hosts.WebDav;

namespace CloudManager.Hosts;

/// <summary>
/// The one explicit list of host kinds an application knows, by <see cref="IStorageHostFactory.Kind"/>:
/// it checks a host's settings against its kind's declared <see cref="IStorageHostFactory.Options"/>
/// and wraps every host it creates in a <see cref="ResilientStorageHost"/>.
/// </summary>
/// <remarks>
/// <code>
/// var registry = HostRegistry.CreateDefault().Add(new S3HostFactory());
/// IStorageHost host = registry.Create("disk-b", "directory", new Dictionary&lt;string, string&gt; { ["path"] = "/mnt/b/pool" });
/// </code>
/// <para>Not thread-safe while kinds are being added; safe to share once built.</para>
/// </remarks>
public sealed class HostRegistry
{
    private readonly Dictionary<string, IStorageHostFactory> _factories = new(StringComparer.Ordinal);

    /// <summary>
    /// A registry with every kind this assembly provides: <c>directory</c>, <c>rclone</c>,
    /// <c>webdav</c> and <c>plowshare</c>. The <c>s3</c> kind lives in the CloudManager.Hosts.S3
    /// package, which keeps the AWS SDK out of this one: add its <c>S3HostFactory</c>.
    /// </summary>
    public static HostRegistry CreateDefault() =>
        new HostRegistry()
            .Add(new DirectoryHostFactory())
            .Add(new RcloneHostFactory())
            .Add(new WebDavHostFactory())
            .Add(new PlowshareHostFactory());

    /// <summary>The registered kinds, in ordinal order.</summary>
    public IReadOnlyList<string> Kinds => _factories.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The time limits and retries of the hosts this registry creates.</summary>
    /// <value>Default null: the defaults of <see cref="ResilientStorageHostOptions"/>.</value>
    public ResilientStorageHostOptions? Resilience { get; set; }

    /// <summary>Registers a kind.</summary>
    /// <returns>This registry, to chain calls.</returns>
    /// <exception cref="ArgumentException">A factory for the same kind is already registered.</exception>
    public HostRegistry Add(IStorageHostFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentException.ThrowIfNullOrWhiteSpace(factory.Kind, nameof(factory));
        ArgumentNullException.ThrowIfNull(factory.Options, nameof(factory));
        if (!_factories.TryAdd(factory.Kind, factory))
        {
            throw new ArgumentException($"A factory for host kind '{factory.Kind}' is already registered.", nameof(factory));
        }

        return this;
    }

    /// <summary>Whether a kind is registered.</summary>
    public bool Contains(string kind) => _factories.ContainsKey(kind);

    /// <summary>The settings a host of <paramref name="kind"/> accepts.</summary>
    /// <param name="name">The host's name, for the message.</param>
    /// <param name="kind">Its kind.</param>
    /// <exception cref="ArgumentException">The kind is not registered; the message names the host, the kind and the known kinds.</exception>
    public IReadOnlyList<HostOption> Options(string name, string kind) => Factory(name, kind).Options;

    /// <summary>
    /// Creates a host of a registered kind, wrapped in a <see cref="ResilientStorageHost"/> (its
    /// <see cref="ResilientStorageHost.Inner"/> is the kind's own host).
    /// </summary>
    /// <param name="name">The host's unique name.</param>
    /// <param name="kind">Its kind.</param>
    /// <param name="settings">Its settings, as text.</param>
    /// <exception cref="ArgumentException">
    /// The kind is not registered, a key is not one of the kind's options, a required one is missing,
    /// or a value is wrong. The message starts with <c>Host 'NAME'</c> and names the key (also as
    /// <see cref="ArgumentException.ParamName"/>) and, for an unknown key, the accepted ones.
    /// </exception>
    public IStorageHost Create(string name, string kind, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(settings);
        var factory = Factory(name, kind);
        HostSettings.Check(name, kind, settings, factory.Options);
        // Checked before the host exists, so that nothing is left undisposed when the limits are wrong.
        var resilience = Resilience ?? new ResilientStorageHostOptions();
        resilience.Validate();
        return new ResilientStorageHost(factory.Create(name, settings), resilience);
    }

    private IStorageHostFactory Factory(string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return _factories.TryGetValue(kind, out var factory)
            ? factory
            : throw new ArgumentException($"Host '{name}' has unknown kind '{kind}': the known kinds are {string.Join(", ", Kinds)}.", nameof(kind));
    }
}
