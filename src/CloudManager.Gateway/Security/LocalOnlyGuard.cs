using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudManager.Gateway.Security;

/// <summary>
/// Without a configured token the gateway serves this machine only (its changing routes need the token
/// it made at start, or nothing with <see cref="GatewayOptions.NoAuth"/>), so it makes sure of three
/// things: the connection arrived on a loopback address (whatever else the server was made to listen on),
/// the request is addressed to a loopback name (no DNS rebinding), and a request that changes something
/// does not come from another origin (no cross-site form posts). With a configured token the changing
/// routes need it and browsers never add one on their own.
/// </summary>
/// <remarks>The options come through the constructor, not per request: a parameter of <c>InvokeAsync</c>
/// would open a service scope for every request.</remarks>
internal sealed class LocalOnlyGuard(RequestDelegate next, GatewayOptions options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (options.Token is not null || context.Connection.LocalIpAddress is not { } local)
        {
            return next(context);
        }

        if (!ListenAddresses.IsLoopback(local))
        {
            return RefuseAsync(context, $"This gateway has no token, so it serves only this machine; the request arrived on {local}, which is not a loopback address.");
        }

        var host = context.Request.Host.Host;
        if (!IsLoopbackName(host))
        {
            return RefuseAsync(context, $"This gateway has no token, so it answers only requests addressed to localhost or a loopback address, not '{host}'.");
        }

        var method = context.Request.Method;
        if (!(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
            && context.Request.Headers[HeaderNames.Origin] is { Count: > 0 } origin
            && !IsSameOrigin(origin.ToString(), context.Request))
        {
            return RefuseAsync(context, $"A page from {origin} may not change this pool: the gateway has no token, so only its own pages may upload.");
        }

        return next(context);
    }

    private static bool IsLoopbackName(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static bool IsSameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static Task RefuseAsync(HttpContext context, string detail) =>
        TypedResults.Problem(detail, context.Request.Path, StatusCodes.Status403Forbidden, "Forbidden").ExecuteAsync(context);
}
