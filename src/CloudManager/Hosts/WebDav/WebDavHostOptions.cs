namespace CloudManager.Hosts.WebDav;

/// <summary>Settings of a <c>webdav</c> host.</summary>
public sealed class WebDavHostOptions
{
    /// <summary>The collection that holds the copies, <c>http://</c> or <c>https://</c>; created (one level) when missing.</summary>
    /// <value>Required.</value>
    public Uri? Url { get; set; }

    /// <summary>The user name for basic authentication.</summary>
    /// <value>Default null: no authentication.</value>
    public string? User { get; set; }

    /// <summary>The password for basic authentication. The factory reads it from the environment variable named by the <c>passwordEnv</c> setting.</summary>
    /// <value>Default null. Never printed.</value>
    public string? Password { get; set; }

    /// <summary>Accept any server certificate. For testing against a self-signed server only.</summary>
    /// <value>Default false.</value>
    public bool AllowUntrustedCertificate { get; set; }

    /// <summary>A PEM file with the certificate authority to trust for this server, instead of the system's.</summary>
    /// <value>Default null: the system's trust store.</value>
    public string? CaCertificatePath { get; set; }

    /// <summary>How long to wait for a TCP and TLS connection before the host counts as unavailable.</summary>
    /// <value>Default 15 seconds; more than zero.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many transfers run against the server at once.</summary>
    /// <value>Default 4; 1 to 64.</value>
    public int MaxConcurrentTransfers { get; set; } = 4;
}
