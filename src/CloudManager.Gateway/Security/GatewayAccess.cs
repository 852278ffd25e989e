using System.Security.Cryptography;
using System.Text;

namespace CloudManager.Gateway.Security;

/// <summary>
/// The token the changing routes require for the life of one gateway: the configured one, else one made
/// when the gateway is created, else none when <see cref="GatewayOptions.NoAuth"/> opens them.
/// </summary>
internal sealed class GatewayAccess
{
    private readonly byte[]? _digest;

    public GatewayAccess(GatewayOptions options)
    {
        Token = options.Token ?? (options.NoAuth ? null : GatewayOptions.NewToken());
        Generated = options.Token is null && Token is not null;
        _digest = Token is null ? null : Digest(Token);
    }

    /// <summary>The token in force; null when the changing routes are open (<see cref="GatewayOptions.NoAuth"/>).</summary>
    public string? Token { get; }

    /// <summary>Whether <see cref="Token"/> was made by this gateway rather than configured.</summary>
    public bool Generated { get; }

    /// <summary>Whether <paramref name="given"/> is the token, compared in constant time (as digests, so that the length tells nothing either).</summary>
    public bool Matches(string given) =>
        _digest is not null && CryptographicOperations.FixedTimeEquals(Digest(given), _digest);

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
