using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudManager.Gateway.Security;

/// <summary>
/// Lets a request through only with <c>Authorization: Bearer TOKEN</c> when a token is configured;
/// without one (loopback only) everybody is let through.
/// </summary>
internal sealed class BearerTokenFilter : IEndpointFilter
{
    private readonly byte[]? _tokenDigest;

    public BearerTokenFilter(GatewayOptions options)
    {
        _tokenDigest = options.Token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.Token));
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_tokenDigest is null)
        {
            return next(context);
        }

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return ValueTask.FromResult<object?>(Refuse(context.HttpContext, "This route needs the gateway's token: send 'Authorization: Bearer TOKEN'.", invalid: false));
        }

        // Compare digests in constant time, so that the answer's timing says nothing about the token.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _tokenDigest)
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
