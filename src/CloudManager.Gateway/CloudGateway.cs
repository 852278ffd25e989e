using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using CloudManager.Gateway.Api;
using CloudManager.Gateway.Background;
using CloudManager.Gateway.Dashboard;
using CloudManager.Gateway.Errors;
using CloudManager.Gateway.OpenApi;
using CloudManager.Gateway.Security;
using CloudManager.Gateway.Transfers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudManager.Gateway;

/// <summary>
/// Builds the HTTP gateway over an open pool: the JSON API under <c>/api</c>, the OpenAPI document at
/// <c>/openapi/v1.json</c>, the dashboard at <c>/</c>, and the background replication.
/// </summary>
/// <remarks>
/// <code>
/// await using var pool = await CloudPool.OpenAsync(poolOptions);
/// var app = CloudGateway.Create(pool, new GatewayOptions { Urls = { "http://127.0.0.1:8080" } });
/// await app.RunAsync();   // until Ctrl-C; the pool stays the caller's to dispose
/// </code>
/// </remarks>
public static class CloudGateway
{
    /// <summary>Builds the gateway; start it with <c>StartAsync</c> or <c>RunAsync</c> and dispose it before the pool.</summary>
    /// <param name="pool">The open pool to serve; not disposed by the gateway.</param>
    /// <param name="options">Addresses, token and limits; validated here.</param>
    /// <param name="configureLogging">Replaces the default console logging, e.g. to route it to the caller's own output.</param>
    /// <exception cref="ArgumentException">
    /// An option is invalid, a non-loopback address has no token, or ASP.NET Core's own endpoint settings
    /// (<c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, <c>Kestrel__Endpoints__*</c>, ...) name a non-loopback
    /// address while no token is configured. Starting the gateway throws it too, after stopping the server, if the
    /// server ends up listening on such an address anyway.
    /// </exception>
    /// <remarks>
    /// The gateway listens only on <see cref="GatewayOptions.Urls"/>: ASP.NET Core's endpoint settings from the
    /// environment or an appsettings file are never bound (a warning names each one ignored).
    /// </remarks>
    public static WebApplication Create(CloudPool pool, GatewayOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(CloudGateway).Assembly.GetName().Name,
            // Not the current folder: an appsettings.json lying there must not change the gateway.
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (configureLogging is not null)
        {
            builder.Logging.ClearProviders();
            configureLogging(builder.Logging);
        }

        // ASP.NET Core would also take addresses from its own settings (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS,
        // Kestrel__Endpoints__*, appsettings): none is bound, and one that exposes the pool without a token is refused.
        var ignored = AspNetEndpointSettings.Find(builder.Configuration);
        if (options.Token is null && ignored.FirstOrDefault(setting => setting.IsExposed) is { } exposed)
        {
            throw new ArgumentException(
                $"Refusing to start: {exposed.Source} asks ASP.NET Core to listen on {string.Join(", ", exposed.Addresses)}, which other machines can reach, "
                + $"and the gateway has no token. The gateway listens only on its own addresses ({string.Join(", ", options.EffectiveUrls)}; for `cm serve`: "
                + "--urls, CM_GATEWAY_URLS or gateway.urls in the config file). Unset it, and to serve other machines set a token (CM_GATEWAY_TOKEN) and give the address with --urls.",
                nameof(options));
        }

        builder.WebHost.UseUrls([.. options.EffectiveUrls]);
        builder.WebHost.PreferHostingUrls(true);
        builder.WebHost.UseSockets(sockets =>
        {
            // Room for one block of a download beyond the default 64 KiB: with the default, the headers and a
            // 64 KiB file already pass it, so every such answer waited for the socket to drain before the
            // request could end, a thread hop per download. Still bounded per connection (this plus one block).
            sockets.MaxWriteBufferSize = CachedFileResult.BlockSize + (64 * 1024);
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Drops the endpoints of the "Kestrel" configuration section (Kestrel__Endpoints__NAME__Url...): only UseUrls above binds.
            kestrel.Configure(new ConfigurationBuilder().Build(), reloadOnChange: false);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = 0;
            kestrel.Limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersBytes;
            kestrel.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            // Small by default; the upload and sync routes raise it for their own requests.
            kestrel.Limits.MaxRequestBodySize = 1 << 20;
        });

        var services = builder.Services;
        services.AddSingleton(pool);
        services.AddSingleton(options);
        services.AddSingleton(new GatewayAccess(options));
        services.AddSingleton(new IgnoredEndpointSettings(ignored));
        // Registered first, so that its check runs before the other services report the gateway started.
        services.AddHostedService<BoundAddressCheck>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        services.AddHostedService<CacheRepairReport>();
        AddBackground<TransferMeter>(services);
        AddBackground<ReplicationService>(services);
        AddBackground<HostMonitor>(services);
        services.AddSingleton<BandwidthGuard>();
        services.ConfigureHttpJsonOptions(json =>
        {
            // The seed's names are snake_case; a context's own naming policy does not carry over to these options.
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default);
        });
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddOpenApi(openApi =>
        {
            openApi.AddDocumentTransformer<BearerSecurityTransformer>();
            openApi.AddOperationTransformer<BearerSecurityTransformer>();
            openApi.AddOperationTransformer<UploadBodyTransformer>();
        });

        var app = builder.Build();
        foreach (var setting in ignored)
        {
            app.Logger.LogWarning(
                "Ignoring {Setting}: the gateway listens only on {Urls} (for `cm serve`: --urls, CM_GATEWAY_URLS or gateway.urls in the config file).",
                setting, string.Join(", ", options.EffectiveUrls));
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<SecurityHeaders>();
        app.UseMiddleware<LocalOnlyGuard>();
        DashboardEndpoints.Map(app);

        var api = app.MapGroup("/api");
        UploadEndpoint.Map(api);
        DownloadEndpoints.Map(api);
        StatusEndpoint.Map(api);
        FilesEndpoint.Map(api);
        SyncEndpoints.Map(api);
        AdminEndpoints.Map(api);
        app.MapOpenApi();
        return app;
    }

    /// <summary>
    /// The token the gateway's changing routes (upload, sync, admin) require: <see cref="GatewayOptions.Token"/>
    /// when configured, else the random token the gateway made when it was created (to hand to the user, as
    /// <c>cm serve</c> prints it with the dashboard address), or null when <see cref="GatewayOptions.NoAuth"/> opens them.
    /// </summary>
    /// <param name="app">A gateway made by <see cref="Create"/>.</param>
    /// <returns>The token in force, or null without authentication.</returns>
    public static string? GetAccessToken(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<GatewayAccess>().Token;
    }

    private static void AddBackground<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(IServiceCollection services)
        where T : class, IHostedService
    {
        services.AddSingleton<T>();
        services.AddHostedService(provider => provider.GetRequiredService<T>());
    }
}
