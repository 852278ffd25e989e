using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudManager.Gateway.Security;

/// <summary>
/// Lets a request through only with <c>Authorization: Bearer TOKEN</c>, the token in force (configured, or
/// made at start when none is); only <see cref="GatewayOptions.NoAuth"/> (loopback only) lets everybody through.
/// </summary>
internal sealed class BearerTokenFilter(GatewayAccess access) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (access.Token is null)
        {
            return next(context);
        }

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            var where = access.Generated ? " (`cm serve` printed this run's token with the dashboard address when it started)" : "";
            return ValueTask.FromResult<object?>(Refuse(
                context.HttpContext, $"This route changes the pool and needs the gateway's token{where}: send 'Authorization: Bearer TOKEN'.", invalid: false));
        }

        // Compared in constant time, so that the answer's timing says nothing about the token.
        return access.Matches(header[Scheme.Length..].Trim())
            ? next(context)
            : ValueTask.FromResult<object?>(Refuse(context.HttpContext, "The bearer token is not the gateway's token.", invalid: true));
    }

    private static IResult Refuse(HttpContext context, string detail, bool invalid)
    {
        context.Response.Headers[HeaderNames.WWWAuthenticate] = invalid
            ? "Bearer realm=\"cloud-manager\", error=\"invalid_token\""
            : "Bearer realm=\"cloud-manager\"";
        return TypedResults.Problem(detail, context.Request.Path, StatusCodes.Status401Unauthorized, "Token required");
    }
}

/// <summary>Marks an endpoint that requires the token, for the filter and the OpenAPI document.</summary>
internal sealed class RequiresTokenMetadata
{
    public static RequiresTokenMetadata Instance { get; } = new();
}

/// <summary>Adds the token check to an endpoint.</summary>
internal static class BearerTokenExtensions
{
    public static RouteHandlerBuilder RequireToken(this RouteHandlerBuilder builder) =>
        builder
            .AddEndpointFilter<BearerTokenFilter>()
            .WithMetadata(RequiresTokenMetadata.Instance)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
}
