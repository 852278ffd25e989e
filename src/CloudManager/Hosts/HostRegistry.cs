using CloudManager.Hosts.Plowshare;
using CloudManager.Hosts.Rclone;
using CloudManager.Hosts.WebDav;

namespace CloudManager.Hosts;

/// <summary>The one explicit list of host kinds an application knows, by <see cref="IStorageHostFactory.Kind"/>.</summary>
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

    /// <summary>Registers a kind.</summary>
    /// <returns>This registry, to chain calls.</returns>
    /// <exception cref="ArgumentException">A factory for the same kind is already registered.</exception>
    public HostRegistry Add(IStorageHostFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentException.ThrowIfNullOrWhiteSpace(factory.Kind, nameof(factory));
        if (!_factories.TryAdd(factory.Kind, factory))
        {
            throw new ArgumentException($"A factory for host kind '{factory.Kind}' is already registered.", nameof(factory));
        }

        return this;
    }

    /// <summary>Whether a kind is registered.</summary>
    public bool Contains(string kind) => _factories.ContainsKey(kind);

    /// <summary>Creates a host of a registered kind.</summary>
    /// <param name="name">The host's unique name.</param>
    /// <param name="kind">Its kind.</param>
    /// <param name="settings">Its settings, as text.</param>
    /// <exception cref="ArgumentException">The kind is not registered, or a setting is wrong (see <see cref="IStorageHostFactory.Create"/>).</exception>
    public IStorageHost Create(string name, string kind, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(settings);
        return _factories.TryGetValue(kind, out var factory)
            ? factory.Create(name, settings)
            : throw new ArgumentException($"Host '{name}' has unknown kind '{kind}'; known kinds: {string.Join(", ", Kinds)}.", nameof(kind));
    }
}
