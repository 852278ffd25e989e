using System.Net.Http.Headers;
using CloudManager.Hosts;
using CloudManager.Testing;
using Microsoft.AspNetCore.Builder;

namespace CloudManager.Gateway.Tests.Support;

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
        Action<GatewayOptions>? configure = null, Action<CloudPoolOptions>? configurePool = null, string[]? hostNames = null)
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
            var options = new GatewayOptions { Urls = { "http://127.0.0.1:0" }, SyncDelay = TimeSpan.FromMilliseconds(100) };
            configure?.Invoke(options);
            var app = CloudGateway.Create(pool, options, logging => { });
            await app.StartAsync();
            return new GatewayServer(folder, pool, app, options);
        }
        catch
        {
            await pool.DisposeAsync();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>A client that sends the token.</summary>
    public HttpClient AuthorizedClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
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
