using System.Net.Http.Headers;
using CloudManager.Hosts;
using CloudManager.Testing;
using Microsoft.AspNetCore.Builder;

namespace CloudManager.Gateway.Tests.Support;

/// <summary>How a test gateway lets in the routes that change the pool.</summary>
public enum TestAuth
{
    /// <summary><see cref="GatewayOptions.NoAuth"/>: every local client may change the pool.</summary>
    NoAuth,

    /// <summary>No token configured: the gateway makes one (<see cref="CloudGateway.GetAccessToken"/>).</summary>
    Generated,

    /// <summary>The configured <see cref="GatewayServer.Token"/>.</summary>
    Configured,
}

/// <summary>
/// The gateway on a real Kestrel at 127.0.0.1 (a free port) over a real pool: a SQLite catalog, a
/// cache folder and three directory hosts in a temp folder.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private GatewayServer(TempFolder folder, CloudPool pool, WebApplication app, GatewayOptions options)
    {
        Folder = folder;
        Pool = pool;
        App = app;
        Options = options;
        BaseAddress = new Uri(app.Urls.First());
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public TempFolder Folder { get; }

    public CloudPool Pool { get; }

    public WebApplication App { get; }

    public GatewayOptions Options { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public string CachePath => Folder.Combine("cache");

    public string HostPath(string name) => Folder.Combine("hosts", name);

    /// <summary>Starts a server; <paramref name="configure"/> changes the gateway or pool options first.</summary>
    public static async Task<GatewayServer> StartAsync(
        Action<GatewayOptions>? configure = null, Action<CloudPoolOptions>? configurePool = null, string[]? hostNames = null, TestAuth auth = TestAuth.NoAuth,
        Action<WebApplication>? beforeStart = null)
    {
        var folder = new TempFolder();
        var poolOptions = new CloudPoolOptions
        {
            Database = folder.Combine("catalog.db"),
            StoragePath = folder.Combine("cache"),
            CapacityBytes = 64L << 20,
        };
        foreach (var name in hostNames ?? ["disk-a", "disk-b", "disk-c"])
        {
            var path = folder.Combine("hosts", name);
            Directory.CreateDirectory(path);
            poolOptions.Hosts.Add(new DirectoryHost(name, path));
        }

        configurePool?.Invoke(poolOptions);
        var pool = await CloudPool.OpenAsync(poolOptions);
        try
        {
            var options = new GatewayOptions
            {
                Urls = { "http://127.0.0.1:0" },
                SyncDelay = TimeSpan.FromMilliseconds(100),
                NoAuth = auth == TestAuth.NoAuth,
                Token = auth == TestAuth.Configured ? Token : null,
            };
            configure?.Invoke(options);
            var app = CloudGateway.Create(pool, options, logging => { });
            try
            {
                beforeStart?.Invoke(app);
                await app.StartAsync();
            }
            catch
            {
                await app.StopAsync();
                await app.DisposeAsync();
                throw;
            }

            return new GatewayServer(folder, pool, app, options);
        }
        catch
        {
            await pool.DisposeAsync();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>The token the changing routes require (configured or made by the gateway); null with <see cref="TestAuth.NoAuth"/>.</summary>
    public string? AccessToken => CloudGateway.GetAccessToken(App);

    /// <summary>The dashboard's address with the token, as <c>cm serve</c> prints it.</summary>
    public Uri DashboardUrl => new(BaseAddress, AccessToken is { } token ? $"/?token={token}" : "/");

    /// <summary>A client that sends the token in force.</summary>
    public HttpClient AuthorizedClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken ?? Token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Pool.DisposeAsync();
        Folder.Dispose();
    }
}
