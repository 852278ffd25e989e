using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace CloudManager.Gateway.Tests.Support;

/// <summary>Whether anything listens on a port of this machine, asked the way a client would: by connecting.</summary>
public static partial class Listening
{
    /// <summary>Whether a connection to 127.0.0.1:<paramref name="port"/> is accepted (a server on 0.0.0.0 or 127.0.0.1 would take it).</summary>
    public static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A port nothing listens on now (the system's pick, released at once).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The port of the first <c>http://HOST:PORT</c> in a text.</summary>
    [GeneratedRegex(@"http://[^\s,;]*:(\d+)")]
    public static partial Regex BoundPort();
}
