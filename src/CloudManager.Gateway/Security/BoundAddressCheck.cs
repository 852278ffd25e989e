using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;

namespace CloudManager.Gateway.Security;

/// <summary>
/// The safety net behind the gateway's own choice of addresses: once the server listens, reads the
/// addresses it actually bound, whatever configured them, and stops it at once if one of them can be
/// reached from other machines while no token is configured (a token made at start does not count:
/// it is printed on this machine's console).
/// </summary>
internal sealed class BoundAddressCheck(IServer server, GatewayOptions options, IgnoredEndpointSettings ignored) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var exposed = bound.Where(address => !ListenAddresses.IsLocal(address)).ToList();
        if (options.Token is not null || exposed.Count == 0)
        {
            return;
        }

        // Stop listening before anything else: not one more connection on an unprotected address.
        await server.StopAsync(CancellationToken.None);
        var cause = ignored.Settings.Count > 0
            ? $"ASP.NET Core's own settings may have added it: {string.Join("; ", ignored.Settings)}"
            : "the gateway asked only for " + string.Join(", ", options.EffectiveUrls) + ", so something else configured the server";
        throw new ArgumentException(
            $"Stopped: the gateway was listening on {string.Join(", ", exposed)}, which other machines can reach, without a configured token ({cause}). "
            + "Remove that setting and listen on 127.0.0.1 only, or set a token (CM_GATEWAY_TOKEN for `cm serve`).", nameof(options));
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The ASP.NET Core endpoint settings found when the gateway was built; the gateway bound none of them.</summary>
internal sealed record IgnoredEndpointSettings(IReadOnlyList<EndpointSetting> Settings);
