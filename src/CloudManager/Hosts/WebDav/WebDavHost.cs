using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;

namespace CloudManager.Hosts.WebDav;

/// <summary>
/// Keeps copies on a WebDAV server (a NAS, Nextcloud, nginx's dav module, <c>rclone serve webdav</c>).
/// </summary>
/// <remarks>
/// <para>Configuration:</para>
/// <code>
/// { "name": "nas", "kind": "webdav", "settings": { "url": "https://nas.example/dav/pool/", "user": "pool", "passwordEnv": "POOL_NAS_PASSWORD" } }
/// </code>
/// <para>Layout: <c>URL/ab/abcdef…</c>. An upload is PUT to <c>URL/.incoming/…partial</c> and then
/// MOVEd into place, so no reader ever sees a half-sent copy: many servers write a PUT body straight to
/// the target. Shard collections are made with MKCOL as needed; listings use PROPFIND with depth 1
/// (depth infinity is often refused). The identity marker is <c>URL/cloud-manager-host.json</c>.</para>
/// <para>404 means absent; connection errors, timeouts and 5xx (but 507, a full disk) mean
/// unavailable; 401/403, an untrusted certificate and other refusals are <see cref="HostOperationException"/>s.</para>
/// </remarks>
public sealed partial class WebDavHost : IStorageHost
{
    private static readonly HttpMethod Mkcol = new("MKCOL");
    private static readonly HttpMethod Move = new("MOVE");

    /// <summary>MOVEs tried while a concurrent upload of the same content holds the name (423 Locked): pauses of about 1.4 s in all.</summary>
    private const int MoveAttempts = 8;
    private static readonly HttpMethod Propfind = new("PROPFIND");
    private static readonly XNamespace Dav = "DAV:";
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly ConcurrentDictionary<string, bool> _madeCollections = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _collectionLock = new(1, 1);

    /// <summary>Creates a host over a WebDAV collection; nothing is contacted until the first call.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public WebDavHost(string name, WebDavHostOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("WebDavHostOptions.Url must be an absolute http:// or https:// URL.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentTransfers, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxConcurrentTransfers, 64, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ConnectTimeout, TimeSpan.Zero, nameof(options));
        Name = name;
        _base = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = options.MaxConcurrentTransfers * 2,
        };
        ConfigureTls(handler, options);
        // Transfers of large files take as long as they take; timeouts are the resilience decorator's.
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (options.User is { } user)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{options.Password}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }

        Capabilities = new HostCapabilities(CanDelete: true, CanList: true, AssignsLocator: false, options.MaxConcurrentTransfers);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "webdav";

    /// <inheritdoc />
    public HostCapabilities Capabilities { get; }

    /// <summary>The collection that holds the copies.</summary>
    public Uri Url => _base;

    /// <inheritdoc />
    public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        var key = ContentKeys.Of(content.Hash);

        if (await LengthAsync(key, cancellationToken).ConfigureAwait(false) == content.Length)
        {
            return new HostLocator(key);
        }

        await MakeCollectionAsync("", cancellationToken).ConfigureAwait(false);
        await MakeCollectionAsync(ContentKeys.IncomingFolder + "/", cancellationToken).ConfigureAwait(false);
        await MakeCollectionAsync(key[..3], cancellationToken).ConfigureAwait(false);
        var incoming = new Uri(_base, ContentKeys.NewIncoming(content.Hash));
        var placed = false;
        try
        {
            // A damaged source fails the read of its last bytes: the PUT is aborted before its body is
            // complete, and the partial upload under .incoming is deleted below.
            var file = await source.OpenReadAsync(cancellationToken).ConfigureAwait(false);
            await using (file.ConfigureAwait(false))
            {
                using var put = new HttpRequestMessage(HttpMethod.Put, incoming) { Content = new StreamContent(file, 1 << 16) };
                put.Content.Headers.ContentLength = content.Length;
                put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                HttpResponseMessage response;
                try
                {
                    response = await SendAsync(put, "store", cancellationToken).ConfigureAwait(false);
                }
                catch (StorageHostException) when (source.Mismatch is { } mismatch)
                {
                    // The HTTP client wraps the source's error: the source is at fault, not this host.
                    throw mismatch.Renew();
                }

                using (response)
                {
                    ThrowUnlessSuccess(response, "store", null);
                }
            }

            // A concurrent upload of the same content may hold or win the name (423 Locked, 412); its
            // copy holds the same bytes, so that is success. While it still holds the lock the name may
            // not be there yet: ask again a few times before giving up.
            for (var attempt = 1; ; attempt++)
            {
                using var move = new HttpRequestMessage(Move, incoming);
                move.Headers.Add("Destination", new Uri(_base, key).AbsoluteUri);
                move.Headers.Add("Overwrite", "T");
                using var moved = await SendAsync(move, "move into place", cancellationToken).ConfigureAwait(false);
                if (moved.IsSuccessStatusCode)
                {
                    break;
                }

                if (await LengthAsync(key, cancellationToken).ConfigureAwait(false) == content.Length)
                {
                    return new HostLocator(key);
                }

                if (moved.StatusCode != HttpStatusCode.Locked || attempt == MoveAttempts)
                {
                    ThrowUnlessSuccess(moved, "move into place", null);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }

            placed = true;
            return new HostLocator(key);
        }
        finally
        {
            if (!placed)
            {
                await DeleteQuietlyAsync(incoming).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, ContentKeys.Of(content.Hash)));
        var response = await SendAsync(request, "read", cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowUnlessSuccess(response, "read", content.Hash);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new OwnedReadStream(body, response.Dispose, e => e is IOException or HttpRequestException
                ? new HostUnavailableException(Name, $"Host '{Name}': the connection failed while sending {content.Hash}: {e.Message}", e)
                : null);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        await LengthAsync(ContentKeys.Of(content.Hash), cancellationToken).ConfigureAwait(false) == content.Length;

    /// <inheritdoc />
    public async Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(_base, ContentKeys.Of(content.Hash)));
        using var response = await SendAsync(request, "delete", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not HttpStatusCode.NotFound and not HttpStatusCode.Gone)
        {
            ThrowUnlessSuccess(response, "delete", null);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<HostEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var shards = (await PropfindAsync(_base, cancellationToken).ConfigureAwait(false))
            .Where(r => r.IsCollection && r.Name.Length == 2 && r.Name.All(char.IsAsciiHexDigitLower))
            .Select(r => r.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var shard in shards)
        {
            foreach (var entry in await PropfindAsync(new Uri(_base, shard + "/"), cancellationToken).ConfigureAwait(false))
            {
                var key = $"{shard}/{entry.Name}";
                if (!entry.IsCollection && ContentKeys.TryParse(key, out var hash))
                {
                    yield return new HostEntry(hash, entry.Length ?? 0, new HostLocator(key));
                }
            }
        }
    }

    /// <inheritdoc />
    /// <remarks><c>("webdav", "scheme://host:port/base/path/")</c>, the port always written.</remarks>
    public HostLocation Location => new("webdav", $"{_base.Scheme}://{_base.Host}:{_base.Port}{_base.AbsolutePath}");

    /// <inheritdoc />
    /// <remarks>A GET of <c>URL/cloud-manager-host.json</c>; 404 means none.</remarks>
    public async Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, HostMarker.ObjectName));
        using var response = await SendAsync(request, "read the identity marker", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }

        ThrowUnlessSuccess(response, "read the identity marker", null);
        if (response.Content.Headers.ContentLength is > HostMarker.MaxBytes and var length)
        {
            throw new HostMarkerException(Name, $"Host '{Name}': the identity marker {HostMarker.ObjectName} is {length} bytes, more than the {HostMarker.MaxBytes} a marker can be. Look at it; it is never replaced automatically.");
        }

        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                return await HostMarker.ReadAsync(Name, body, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new HostUnavailableException(Name, $"Host '{Name}': the connection failed while reading the identity marker: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads first; when there is no marker, PUTs it to <c>.incoming/</c> and MOVEs it into place with
    /// <c>Overwrite: F</c>, which the server refuses (412) when a marker appeared meanwhile; then
    /// returns what is there.
    /// </remarks>
    public async Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        if (await ReadMarkerAsync(cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var json = (proposed with { Kind = Kind }).ToJson();
        await MakeCollectionAsync("", cancellationToken).ConfigureAwait(false);
        await MakeCollectionAsync(ContentKeys.IncomingFolder + "/", cancellationToken).ConfigureAwait(false);
        var incoming = new Uri(_base, $"{ContentKeys.IncomingFolder}/{HostMarker.ObjectName}.{Guid.NewGuid():N}.partial");
        try
        {
            using (var put = new HttpRequestMessage(HttpMethod.Put, incoming) { Content = new ByteArrayContent(json) })
            {
                put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await SendAsync(put, "write the identity marker", cancellationToken).ConfigureAwait(false);
                ThrowUnlessSuccess(response, "write the identity marker", null);
            }

            for (var attempt = 1; ; attempt++)
            {
                using var move = new HttpRequestMessage(Move, incoming);
                move.Headers.Add("Destination", new Uri(_base, HostMarker.ObjectName).AbsoluteUri);
                move.Headers.Add("Overwrite", "F");
                using var moved = await SendAsync(move, "move the identity marker into place", cancellationToken).ConfigureAwait(false);
                if (moved.IsSuccessStatusCode || moved.StatusCode == HttpStatusCode.PreconditionFailed)
                {
                    break;
                }

                if (moved.StatusCode != HttpStatusCode.Locked || attempt == MoveAttempts)
                {
                    ThrowUnlessSuccess(moved, "move the identity marker into place", null);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await DeleteQuietlyAsync(incoming).ConfigureAwait(false);
        }

        return await ReadMarkerAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new HostUnavailableException(Name, $"Host '{Name}': the identity marker written to {new Uri(_base, HostMarker.ObjectName)} is gone again; is something else changing the collection?");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _collectionLock.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} (webdav {_base})";

    private static void ConfigureTls(SocketsHttpHandler handler, WebDavHostOptions options)
    {
        if (options.AllowUntrustedCertificate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (options.CaCertificatePath is { } caPath)
        {
            var authority = X509CertificateLoader.LoadCertificateFromFile(caPath);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
    }

    /// <summary>The length of the resource at a key, or null when the server says it is absent.</summary>
    private async Task<long?> LengthAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var uri = new Uri(_base, key);
        using var request = new HttpRequestMessage(HttpMethod.Head, uri);
        using var response = await SendAsync(request, "look up", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }

        ThrowUnlessSuccess(response, "look up", null);
        if (response.Content.Headers.ContentLength is { } length)
        {
            return length;
        }

        // Some servers omit Content-Length on HEAD; PROPFIND says it in every case.
        var entry = (await PropfindAsync(uri, cancellationToken, depth: "0").ConfigureAwait(false)).FirstOrDefault();
        return entry is { IsCollection: false } ? entry.Length : null;
    }

    /// <summary>
    /// Makes a collection once per host instance, one at a time: concurrent MKCOLs of one collection
    /// make servers answer 423 Locked.
    /// </summary>
    private async Task MakeCollectionAsync(string relative, CancellationToken cancellationToken)
    {
        if (_madeCollections.ContainsKey(relative))
        {
            return;
        }

        await _collectionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_madeCollections.ContainsKey(relative))
            {
                return;
            }

            for (var attempt = 1; ; attempt++)
            {
                using var request = new HttpRequestMessage(Mkcol, new Uri(_base, relative));
                using var response = await SendAsync(request, "create a folder", cancellationToken).ConfigureAwait(false);
                // 423: another client is creating the same collection right now; once it has, MKCOL answers 405.
                if (response.StatusCode == HttpStatusCode.Locked && attempt < 8)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(25 * attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // 405: the collection exists already.
                if (response.StatusCode != HttpStatusCode.MethodNotAllowed)
                {
                    ThrowUnlessSuccess(response, $"create the folder '{relative}'", null);
                }

                break;
            }

            _madeCollections[relative] = true;
        }
        finally
        {
            _collectionLock.Release();
        }
    }

    private async Task<List<DavResource>> PropfindAsync(Uri uri, CancellationToken cancellationToken, string depth = "1")
    {
        using var request = new HttpRequestMessage(Propfind, uri)
        {
            Content = new StringContent(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><propfind xmlns=\"DAV:\"><prop><resourcetype/><getcontentlength/></prop></propfind>",
                Encoding.UTF8,
                "application/xml"),
        };
        request.Headers.Add("Depth", depth);
        using var response = await SendAsync(request, "list", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return [];
        }

        ThrowUnlessSuccess(response, "list", null);
        XDocument document;
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                document = await XDocument.LoadAsync(body, LoadOptions.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (System.Xml.XmlException e)
        {
            throw new HostOperationException(Name, $"Host '{Name}': the server's PROPFIND answer is not valid XML: {e.Message}", isTransient: false, e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new HostUnavailableException(Name, $"Host '{Name}': the connection failed while listing: {e.Message}", e);
        }

        var self = uri.AbsolutePath.TrimEnd('/');
        var resources = new List<DavResource>();
        foreach (var response1 in document.Root?.Elements(Dav + "response") ?? [])
        {
            var href = response1.Element(Dav + "href")?.Value;
            if (href is null || !Uri.TryCreate(uri, href, out var target))
            {
                continue;
            }

            var path = Uri.UnescapeDataString(target.AbsolutePath).TrimEnd('/');
            if (depth != "0" && path == Uri.UnescapeDataString(self))
            {
                continue;
            }

            var props = response1.Elements(Dav + "propstat")
                .Where(p => p.Element(Dav + "status")?.Value.Contains(" 200 ", StringComparison.Ordinal) ?? true)
                .Select(p => p.Element(Dav + "prop"))
                .OfType<XElement>()
                .ToList();
            var isCollection = props.Any(p => p.Element(Dav + "resourcetype")?.Element(Dav + "collection") is not null);
            var lengthText = props.Select(p => p.Element(Dav + "getcontentlength")?.Value).FirstOrDefault(v => !string.IsNullOrEmpty(v));
            long? length = long.TryParse(lengthText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
            resources.Add(new DavResource(path[(path.LastIndexOf('/') + 1)..], isCollection, length));
        }

        return resources;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string operation, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (HttpRequestException e) when (e.InnerException is System.Security.Authentication.AuthenticationException)
        {
            // An untrusted certificate does not go away by trying again.
            throw new HostOperationException(Name, $"Host '{Name}': the TLS connection to {_base} was refused: {e.InnerException.Message}", isTransient: false, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            throw new HostUnavailableException(Name, $"Host '{Name}': cannot {operation} at {_base}: {e.Message}", e);
        }
    }

    private void ThrowUnlessSuccess(HttpResponseMessage response, string operation, ContentHash? absentContent)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var message = $"Host '{Name}': the server refused to {operation} ({status} {response.ReasonPhrase}).";
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound or HttpStatusCode.Gone when absentContent is { } hash => new ContentNotFoundException(Name, hash),
            HttpStatusCode.InsufficientStorage => new HostOperationException(Name, message, isTransient: false),
            HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => new HostUnavailableException(Name, message),
            _ when status >= 500 => new HostUnavailableException(Name, message),
            _ => new HostOperationException(Name, message, isTransient: false),
        };
    }

    private async Task DeleteQuietlyAsync(Uri uri)
    {
        try
        {
            // The upload is already lost; give the clean-up a short, independent time limit.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var request = new HttpRequestMessage(HttpMethod.Delete, uri);
            using var response = await _http.SendAsync(request, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // Leftovers under .incoming are never listed nor read.
        }
    }

    private sealed record DavResource(string Name, bool IsCollection, long? Length);
}
