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
        var command = new CliCommand(
            "serve",
            "Run the HTTP gateway: the JSON API under /api (upload, download, find, status, files, sync), the OpenAPI document at /openapi/v1.json "
            + "and the dashboard at /. New files are replicated in the background. Prints the address(es) on stdout; Ctrl-C stops it, letting transfers in flight finish briefly.",
            "cm serve",
            "cm serve --urls http://127.0.0.1:9000",
            $"{EnvironmentNames.GatewayToken}=$(openssl rand -hex 32) cm serve --urls http://0.0.0.0:8080");
        command.Options.Add(urls);
        // A server returns no record: it prints its addresses once it listens, and runs until Ctrl-C.
        CommandRunner.SetAction(command, globals, (context, cancellationToken) => RunAsync(context, context.Value(urls), cancellationToken));
        return command;
    }

    /// <summary>Serves the pool on <paramref name="urls"/> (else the configured addresses) until cancelled.</summary>
    public static async Task<int> RunAsync(CommandContext context, string? urls, CancellationToken cancellationToken)
    {
        var console = context.Console;
        // Checked before the pool opens: a refused address or a bad limit should not wait for the catalog.
        var options = GatewaySettings.Resolve(context.Settings.Gateway, Environment.GetEnvironmentVariable, urls, Environment.CurrentDirectory);
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

            console.Info(
                $"cm: serving {pool.CatalogName} on {string.Join(", ", app.Urls)} (dashboard at /, API under /api){(options.Token is null ? "" : ", token required for uploads")}; Ctrl-C stops.");
            await app.WaitForShutdownAsync(cancellationToken);
            console.Info("cm: stopping: finishing the transfers in flight.");
            await app.StopAsync(CancellationToken.None);
        }

        return ExitCodes.Ok;
    }
}
