using CloudManager.Gateway.Errors;

namespace CloudManager.Gateway.Api;

/// <summary>The <c>{hash}</c> in a route: exactly 64 hexadecimal digits, else 400. It never names a path.</summary>
internal static class HashRoute
{
    public static ContentHash Parse(string text) =>
        ContentHash.TryParse(text, out var hash)
            ? hash
            : throw GatewayProblemException.BadRequest(
                $"'{(text.Length > 80 ? text[..77] + "..." : text)}' is not a file hash: expected 64 hexadecimal digits (a SHA-256).");
}
