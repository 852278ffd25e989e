namespace CloudManager.Hosts.WebDav;

/// <summary>Builds <see cref="WebDavHost"/>s: the <c>webdav</c> kind.</summary>
/// <remarks>
/// <code>
/// { "name": "nas", "kind": "webdav", "settings": { "url": "https://nas.example/dav/pool/", "user": "pool", "passwordEnv": "POOL_NAS_PASSWORD" } }
/// </code>
/// Settings: see <see cref="Options"/>.
/// </remarks>
public sealed class WebDavHostFactory : IStorageHostFactory
{
    private static readonly WebDavHostOptions Defaults = new();

    /// <inheritdoc />
    public string Kind => "webdav";

    /// <inheritdoc />
    public IReadOnlyList<HostOption> Options { get; } =
    [
        new("url", "The collection that holds the copies, http:// or https:// (created, one level, if missing).", Required: true),
        new("user", "The user for basic authentication; without it, none."),
        new("passwordEnv", "The environment variable holding the password."),
        HostOption.Boolean("allowUntrustedCertificate", "true to accept any TLS certificate (testing only).", Defaults.AllowUntrustedCertificate),
        new("caCertificatePath", "A certificate authority (PEM) to trust for this server; without it, the system's trust store."),
        HostOption.Seconds("connectTimeoutSeconds", "How long to wait for a connection before the host counts as unavailable.", Defaults.ConnectTimeout),
        HostOption.WholeNumber("maxConcurrentTransfers", "How many transfers run against the server at once.", Defaults.MaxConcurrentTransfers, 1, 64),
    ];

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(name, Kind, settings, Options);
        var url = read.Required("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"Host '{name}': setting 'url' must be an absolute http:// or https:// URL, not '{url}'.", "url");
        }

        return new WebDavHost(name, new WebDavHostOptions
        {
            Url = uri,
            User = read.Optional("user"),
            Password = read.SecretFromEnvironment("passwordEnv"),
            AllowUntrustedCertificate = read.Boolean("allowUntrustedCertificate"),
            CaCertificatePath = read.Optional("caCertificatePath"),
            ConnectTimeout = read.Seconds("connectTimeoutSeconds"),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers"),
        });
    }
}
