using CloudManager.Hosts;
using CloudManager.Hosts.Plowshare;
using CloudManager.Hosts.Rclone;
using CloudManager.Hosts.S3;
using CloudManager.Hosts.WebDav;

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
    public static HostFactoryRegistry Default { get; } = new(
    [
        new LibraryHostFactory(new DirectoryHostFactory(),
        [
            new("path", "The folder that holds the copies. It must exist: a missing folder (an unmounted disk) makes the host unreachable.", Required: true),
            new("maxConcurrentTransfers", "How many transfers run against the folder at once (1 to 64, default 4)."),
        ]),
        new LibraryHostFactory(new S3HostFactory(),
        [
            new("bucket", "The bucket.", Required: true),
            new("endpoint", "The service URL for S3-compatible servers (default: AWS)."),
            new("region", "The region (default us-east-1)."),
            new("prefix", "A key prefix inside the bucket."),
            new("pathStyle", "true for path-style addressing (most S3-compatible servers)."),
            new("accessKeyEnv", "The environment variable holding the access key id (default: the AWS credential chain)."),
            new("secretKeyEnv", "The environment variable holding the secret access key."),
            new("sessionTokenEnv", "The environment variable holding a session token."),
            new("multipartThresholdBytes", "Files from this size up are uploaded in parts."),
            new("partSizeBytes", "The size of each part."),
            new("flexibleChecksums", "true to send the SDK's CRC32 checksums (some S3-compatible servers mishandle them)."),
            new("connectTimeoutSeconds", "How long to wait for a connection."),
            new("maxConcurrentTransfers", "How many transfers run at once."),
        ]),
        new LibraryHostFactory(new RcloneHostFactory(),
        [
            new("remote", "Any rclone remote and path, as remote:path.", Required: true),
            new("configPath", "The rclone config file (default: rclone's own)."),
            new("executable", "The rclone program (default rclone on PATH)."),
            new("lowLevelRetries", "rclone's --low-level-retries (1 to 20, default 1; the pool retries itself)."),
            new("maxConcurrentTransfers", "How many transfers run at once."),
        ]),
        new LibraryHostFactory(new WebDavHostFactory(),
        [
            new("url", "The collection URL, http:// or https://.", Required: true),
            new("user", "The user for basic authentication."),
            new("passwordEnv", "The environment variable holding the password."),
            new("allowUntrustedCertificate", "true to accept any TLS certificate (testing only)."),
            new("caCertificatePath", "A CA certificate (PEM) to trust for this server."),
            new("connectTimeoutSeconds", "How long to wait for a connection."),
            new("maxConcurrentTransfers", "How many transfers run at once."),
        ]),
        new LibraryHostFactory(new PlowshareHostFactory(),
        [
            new("module", "The plowshare module (the file-locker site).", Required: true),
            new("uploadExecutable", "plowup (default on PATH)."),
            new("downloadExecutable", "plowdown (default on PATH)."),
            new("probeExecutable", "plowprobe, to check that a link is alive."),
            new("deleteExecutable", "plowdel; without it the host cannot delete."),
            new("listExecutable", "plowlist; without it the host cannot list."),
            new("listUrl", "The folder URL plowlist reads."),
            new("uploadTimeoutSeconds", "Longest upload."),
            new("downloadTimeoutSeconds", "Longest download."),
            new("commandTimeoutSeconds", "Longest probe, delete or list."),
            new("tempPath", "Where downloads land before they are read."),
            new("maxConcurrentTransfers", "How many transfers run at once."),
        ]),
    ]);

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
