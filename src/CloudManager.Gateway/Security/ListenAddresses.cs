using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace CloudManager.Gateway.Security;

/// <summary>
/// Which listening addresses only this machine can reach, decided as Kestrel binds them: <c>localhost</c>
/// binds the loopback addresses only, an IP address binds itself, and any other host (<c>*</c>, <c>+</c>,
/// a name) binds every interface. Anything it cannot be sure of counts as reachable from elsewhere.
/// </summary>
internal static class ListenAddresses
{
    /// <summary>Whether only this machine can reach <paramref name="url"/>; false for anything that does not parse.</summary>
    public static bool IsLocal(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }

        return IsLocal(address);
    }

    /// <summary>Whether only this machine can reach the address: a loopback IP address, <c>localhost</c>, or a Unix socket.</summary>
    public static bool IsLocal(BindingAddress address)
    {
        if (address.IsUnixPipe)
        {
            return true;
        }

        // Named pipes (Windows) can be opened from other machines over SMB.
        if (address.IsNamedPipe)
        {
            return false;
        }

        var host = address.Host;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Exactly Kestrel's own parse of the host: anything it does not read as an IP address it binds to every interface.
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip) && (ip.AddressFamily != AddressFamily.InterNetworkV6 || ip.ScopeId == 0);
    }

    /// <summary>Whether an address a connection arrived on is a loopback address.</summary>
    public static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
