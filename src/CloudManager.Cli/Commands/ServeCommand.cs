using System.CommandLine;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Output;
using CloudManager.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm serve</c>: the HTTP gateway and its dashboard over the configured pool, until Ctrl-C.</summary>
internal static class ServeCommand
{
    /// <summary>ASP.NET Core's per-request log category (request started, request finished).</summary>
    internal const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static CliCommand Create(GlobalOptions globals)
    {
        var urls = new Option<string?>("--urls")
        {
            Description = $"Addresses to listen on, separated by ';' (default {GatewayOptions.DefaultUrl}; port 0 picks a free one). "
                + $"Any address but loopback needs a token ({EnvironmentNames.GatewayToken}). Overrides {EnvironmentNames.GatewayUrls} and the config file.",
            HelpName = "url",
        };
        var noAuth = new Option<bool>("--no-auth")
        {
            Description = $"Let the routes that change the pool (upload, sync load and dump, admin) through without a token, for every process on this machine. "
                + $"Loopback addresses only, and not with {EnvironmentNames.GatewayToken}. Without it and without a token, cm serve makes a token for this run "
                + "and prints the dashboard address with it.",
        };
        var command = new CliCommand(
            "serve",
            "Run the HTTP gateway: the JSON API under /api (upload, download, find, status, files, sync), the OpenAPI document at /openapi/v1.json "
            + "and the dashboard at /. New files are replicated in the background. Prints the address(es) on stdout; Ctrl-C stops it, letting transfers in flight finish briefly. "
            + $"Uploads, sync and admin routes always need a token: {EnvironmentNames.GatewayToken}, or else one made for this run and printed on stderr in the dashboard "
            + "address (http://127.0.0.1:PORT/?token=...). Downloads, lookups, the status and the dashboard need none. cm serve listens only on --urls, "
            + $"{EnvironmentNames.GatewayUrls} or gateway.urls: ASP.NET Core's own settings (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, DOTNET_URLS, Kestrel__Endpoints__*) "
            + "are ignored with a warning, and refused when they name an address other machines reach while no token is configured.",
            "cm serve",
            "cm serve --urls http://127.0.0.1:9000",
            "cm serve --no-auth",
            $"{EnvironmentNames.GatewayToken}=$(openssl rand -hex 32) cm serve --urls http://0.0.0.0:8080");
        command.Options.Add(urls);
        command.Options.Add(noAuth);
        // A server returns no record: it prints its addresses once it listens, and runs until Ctrl-C.
        CommandRunner.SetAction(command, globals, (context, cancellationToken) => RunAsync(context, context.Value(urls), context.Value(noAuth), cancellationToken));
        return command;
    }

    /// <summary>Serves the pool on <paramref name="urls"/> (else the configured addresses) until cancelled.</summary>
    public static async Task<int> RunAsync(CommandContext context, string? urls, bool noAuth, CancellationToken cancellationToken)
    {
        var console = context.Console;
        // Checked before the pool opens: a refused address or a bad limit should not wait for the catalog.
        var options = GatewaySettings.Resolve(context.Settings.Gateway, Environment.GetEnvironmentVariable, urls, Environment.CurrentDirectory, noAuth);
        // The gateway logs what reconciling the cache folder found when it starts.
        await using var pool = await context.OpenPoolAsync(cancellationToken, reportCacheRepairs: false);
        var app = CloudGateway.Create(pool, options, logging =>
        {
            logging.AddProvider(new CliLoggerProvider(console));
            if (!console.Verbose)
            {
                // ASP.NET Core starts an Activity and a log scope for every request as long as this category logs
                // anything at all, although only --verbose shows its messages (requests at Information); start-up
                // failures it would also log reach the user as cm's own error.
                logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
            }
        });
        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch
            {
                // Stops the background services that did start (the address may be taken), so that they end quietly.
                await app.StopAsync(CancellationToken.None);
                throw;
            }

            foreach (var url in app.Urls)
            {
                console.WriteData(url);
            }

            var token = CloudGateway.GetAccessToken(app);
            var auth = token is null ? ", no token: every local process may change the pool (--no-auth)"
                : options.Token is null ? ", token made for this run required for uploads, sync and admin"
                : ", token required for uploads, sync and admin";
            console.Info($"cm: serving {pool.CatalogName} on {string.Join(", ", app.Urls)} (dashboard at /, API under /api){auth}; Ctrl-C stops.");
            if (options.Token is null && token is not null)
            {
                // The one place the made token is shown: a line on stderr, even with --quiet, since nothing works without it.
                console.Essential(DashboardLine(app.Urls, token));
            }

            await app.WaitForShutdownAsync(cancellationToken);
            console.Info("cm: stopping: finishing the transfers in flight.");
            await app.StopAsync(CancellationToken.None);
        }

        return ExitCodes.Ok;
    }

    /// <summary>The line that hands the made token to the user: the dashboard address with it, as Jupyter prints its own.</summary>
    internal static string DashboardLine(ICollection<string> urls, string token)
    {
        var web = urls.FirstOrDefault(url => !url.Contains("unix:", StringComparison.OrdinalIgnoreCase));
        return web is null
            ? $"cm: the token for this run is {token} (send it as 'Authorization: Bearer TOKEN'; set {EnvironmentNames.GatewayToken} to choose one)."
            : $"cm: open the dashboard at {web.TrimEnd('/')}/?token={token} (a token made for this run; set {EnvironmentNames.GatewayToken} to choose one).";
    }
}
