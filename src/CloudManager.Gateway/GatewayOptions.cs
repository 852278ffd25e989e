using System.Buffers.Text;
using System.Security.Cryptography;
using CloudManager.Gateway.Security;
using Microsoft.AspNetCore.Http;

namespace CloudManager.Gateway;

/// <summary>How the HTTP gateway listens, whom it lets in and how much it accepts.</summary>
/// <remarks>
/// <code>
/// var options = new GatewayOptions
/// {
///     Urls = { "http://127.0.0.1:8080" },
///     Token = Environment.GetEnvironmentVariable("CM_GATEWAY_TOKEN"),
///     MaxUploadBytes = 4L &lt;&lt; 30,
///     MonthlyOutgoingLimitBytes = 1L &lt;&lt; 40,
/// };
/// </code>
/// </remarks>
public sealed class GatewayOptions
{
    /// <summary>Shortest bearer token accepted: a short one could be guessed.</summary>
    public const int MinTokenLength = 16;

    /// <summary>The address the gateway listens on when <see cref="Urls"/> is empty.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>
    /// The addresses to listen on (<c>http://HOST:PORT</c>; port 0 picks a free one), and the only ones:
    /// ASP.NET Core's own endpoint settings (<c>ASPNETCORE_URLS</c>, <c>Kestrel__Endpoints__*</c>, ...) are
    /// never bound. Anything but loopback (127.0.0.0/8, ::1, localhost) or a Unix socket requires <see cref="Token"/>.
    /// </summary>
    /// <value>Default empty, meaning <see cref="DefaultUrl"/>. Plain HTTP only: put TLS in a reverse proxy.</value>
    public IList<string> Urls { get; } = [];

    /// <summary>
    /// The bearer token required on the routes that change the pool (upload, sync, admin:
    /// <c>Authorization: Bearer TOKEN</c>), and the only way to listen on an address other machines reach.
    /// Downloads, lookups, the status and the dashboard stay open.
    /// </summary>
    /// <value>
    /// Default null: no configured token. The gateway then listens on loopback addresses only and, unless
    /// <see cref="NoAuth"/> is set, makes a token of its own when it is created (<see cref="CloudGateway.GetAccessToken"/>),
    /// which the changing routes require even from this machine. At least <see cref="MinTokenLength"/> printable characters.
    /// </value>
    public string? Token { get; set; }

    /// <summary>
    /// Lets the changing routes through without any token: every local process may then upload, load
    /// sync data, evict and start a sync. Allowed on loopback addresses only, and not with <see cref="Token"/>.
    /// </summary>
    /// <value>Default false: without <see cref="Token"/>, the gateway makes a token of its own.</value>
    public bool NoAuth { get; set; }

    /// <summary>The largest file an upload may carry.</summary>
    /// <value>Default null: as large as the cache allows (capacity × max fill). At least 1.</value>
    public long? MaxUploadBytes { get; set; }

    /// <summary>The largest sync data <c>POST /api/sync/load</c> accepts.</summary>
    /// <value>Default 16 MiB; at least 1 KiB.</value>
    public long MaxSyncLoadBytes { get; set; } = 16L << 20;

    /// <summary>
    /// Bytes the node may receive per calendar month (UTC); uploads that would pass it are refused
    /// with 429. Everything the meter counts as incoming counts here: uploads and fetches from hosts.
    /// </summary>
    /// <value>Default null: no limit.</value>
    public long? MonthlyIncomingLimitBytes { get; set; }

    /// <summary>
    /// Bytes the node may send per calendar month (UTC); downloads that would pass it are refused
    /// with 429. Copies to hosts count too but are never refused: a file is not safe until copied.
    /// </summary>
    /// <value>Default null: no limit.</value>
    public long? MonthlyOutgoingLimitBytes { get; set; }

    /// <summary>How long after an upload the background sync starts, so that a burst of uploads is replicated in one run.</summary>
    /// <value>Default 2 seconds; 0 to 1 hour.</value>
    public TimeSpan SyncDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the background sync runs when nothing is uploaded (it retries files whose hosts failed).</summary>
    /// <value>Default 5 minutes; 1 second to 1 day.</value>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often every host is asked whether it answers, for the status and the dashboard.</summary>
    /// <value>Default 1 minute; 1 second to 1 day.</value>
    public TimeSpan HostProbeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many connections may be open at once; more wait in the system's backlog.</summary>
    /// <value>Default 1000; at least 1.</value>
    public long MaxConnections { get; set; } = 1000;

    /// <summary>The most bytes of request headers accepted (431 beyond).</summary>
    /// <value>Default 32 KiB; 1 KiB to 1 MiB.</value>
    public int MaxRequestHeadersBytes { get; set; } = 32 << 10;

    /// <summary>How long a client may take to send its request headers before the connection is closed.</summary>
    /// <value>Default 30 seconds; 1 second to 10 minutes.</value>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a stop waits for requests in flight (and the background sync) to finish; after it they
    /// are abandoned, which leaves nothing half-written (transfers write to temporary names).
    /// </summary>
    /// <value>Default 5 seconds; 0 to 10 minutes.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The addresses in effect: <see cref="Urls"/>, or <see cref="DefaultUrl"/> when it is empty.</summary>
    public IReadOnlyList<string> EffectiveUrls => Urls.Count > 0 ? Urls.ToList() : [DefaultUrl];

    /// <summary>Checks every option, and that a token protects any address reachable from other machines.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or a non-loopback address has no token; the message says which and what to do.</exception>
    public void Validate()
    {
        var exposed = new List<string>();
        foreach (var url in EffectiveUrls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"'{url}' is not an address to listen on ({e.Message}); write it as http://HOST:PORT.", nameof(Urls), e);
            }

            if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"'{url}': the gateway speaks plain HTTP only; listen on http://127.0.0.1:PORT and let a reverse proxy terminate TLS.", nameof(Urls));
            }

            if (!ListenAddresses.IsLocal(address))
            {
                exposed.Add(url);
            }
        }

        if (NoAuth && Token is not null)
        {
            throw new ArgumentException(
                "A token and no authentication (--no-auth) were both asked for; choose one: unset the token to open this machine's gateway to every local process, or drop --no-auth.",
                nameof(NoAuth));
        }

        if (NoAuth && exposed.Count > 0)
        {
            throw new ArgumentException(
                $"Refusing to listen on {string.Join(", ", exposed)} without authentication (--no-auth): other machines could upload and change the pool. "
                + "Drop --no-auth and set a token (CM_GATEWAY_TOKEN for `cm serve`), or listen on 127.0.0.1 only.", nameof(NoAuth));
        }

        if (Token is not null && (Token.Length < MinTokenLength || Token.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            throw new ArgumentException(
                $"The gateway token must be at least {MinTokenLength} printable characters without spaces; for example the output of `openssl rand -hex 32`.", nameof(Token));
        }

        if (exposed.Count > 0 && Token is null)
        {
            throw new ArgumentException(
                $"Refusing to listen on {string.Join(", ", exposed)} without a token: other machines could upload and change the pool. "
                + "Set a token (CM_GATEWAY_TOKEN for `cm serve`), or listen on 127.0.0.1 only.", nameof(Token));
        }

        if (MaxUploadBytes is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxUploadBytes), MaxUploadBytes, "The maximum upload size must be at least 1 byte.");
        }

        if (MaxSyncLoadBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSyncLoadBytes), MaxSyncLoadBytes, "The maximum sync data size must be at least 1 KiB.");
        }

        if (MonthlyIncomingLimitBytes is < 0 || MonthlyOutgoingLimitBytes is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MonthlyIncomingLimitBytes), "Monthly limits cannot be negative.");
        }

        CheckRange(SyncDelay, TimeSpan.Zero, TimeSpan.FromHours(1), nameof(SyncDelay));
        CheckRange(SyncInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), nameof(SyncInterval));
        CheckRange(HostProbeInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), nameof(HostProbeInterval));
        CheckRange(RequestHeadersTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), nameof(RequestHeadersTimeout));
        CheckRange(ShutdownTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10), nameof(ShutdownTimeout));
        if (MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "At least one connection must be allowed.");
        }

        if (MaxRequestHeadersBytes is < 1024 or > 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRequestHeadersBytes), MaxRequestHeadersBytes, "The request header limit must be from 1 KiB to 1 MiB.");
        }
    }

    /// <summary>
    /// A new random token for a gateway that has none configured: 256 bits from the system's
    /// cryptographic generator, written in URL-safe base64 (43 characters, no padding).
    /// </summary>
    /// <returns>A token that passes <see cref="Validate"/> and needs no escaping in a URL.</returns>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static void CheckRange(TimeSpan value, TimeSpan min, TimeSpan max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be from {min} to {max}.");
        }
    }
}
