namespace CloudManager.Hosts.WebDav;

/// <summary>Builds <see cref="WebDavHost"/>s: the <c>webdav</c> kind.</summary>
/// <remarks>
/// <code>
/// { "name": "nas", "kind": "webdav", "settings": { "url": "https://nas.example/dav/pool/", "user": "pool", "passwordEnv": "POOL_NAS_PASSWORD" } }
/// </code>
/// Settings: <c>url</c> (required), <c>user</c>, <c>passwordEnv</c> (the environment variable holding
/// the password), <c>allowUntrustedCertificate</c> (true/false, default false), <c>caCertificatePath</c>,
/// <c>connectTimeoutSeconds</c> (default 15), <c>maxConcurrentTransfers</c> (1 to 64, default 4).
/// </remarks>
public sealed class WebDavHostFactory : IStorageHostFactory
{
    /// <inheritdoc />
    public string Kind => "webdav";

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(
            name, Kind, settings, "url", "user", "passwordEnv", "allowUntrustedCertificate", "caCertificatePath", "connectTimeoutSeconds", "maxConcurrentTransfers");
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
            AllowUntrustedCertificate = read.Boolean("allowUntrustedCertificate", false),
            CaCertificatePath = read.Optional("caCertificatePath"),
            ConnectTimeout = read.Seconds("connectTimeoutSeconds", TimeSpan.FromSeconds(15)),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers", 4, 1, 64),
        });
    }
}
