using System.Globalization;
using CloudManager.Gateway.Security;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudManager.Gateway.Tests;

/// <summary>
/// The loopback classifier never calls an address loopback that Kestrel would bind where other machines
/// reach it. The judge is not another parse of the text: Kestrel binds each address the classifier
/// calls local, and the kernel's table of listening sockets says where it really listens.
/// </summary>
public sealed class ListenAddressPropertyTests
{
    private static readonly string[] Hosts =
    [
        "localhost", "LocalHost", "localhost.", "127.0.0.1", "127.1", "127.0.0.255", "127.255.255.254", "0x7f.0.0.1", "0177.0.0.1",
        "2130706433", "[127.0.0.1]", "127.0.0.1.", "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::1%1]", "::1", "0.0.0.0",
        "0", "*", "+", "[::]", "[::0]", "128.0.0.1", "126.255.255.255", "10.0.0.1", "example.org", "localhost.example.org", "127.0.0.1.nip.io",
        "",
    ];

    private static Gen<string> Mutated(string host) =>
        Gen.OneOf(
            Gen.Constant(host),
            Gen.Constant(host.ToUpperInvariant()),
            from at in Gen.Choose(0, host.Length)
            from c in Gen.Elements('.', ':', '[', ']', '%', ' ', '0', '1', 'x', '@', '/', '\t', 'ı', '٠')
            select host.Insert(at, c.ToString()),
            from at in Gen.Choose(0, Math.Max(0, host.Length - 1))
            select host.Length == 0 ? host : host.Remove(at, 1));

    private static Gen<string> Address =>
        from scheme in Gen.Elements("http", "HTTP", "http", "https")
        from host in Gen.Elements(Hosts).SelectMany(Mutated)
        from port in Gen.Elements(":{PORT}", ":{PORT}", "", ":{PORT}/", ":{PORT}/base")
        select $"{scheme}://{host}{port}";

    [Fact]
    public void Arbitrary_text_is_never_called_loopback_unless_it_names_a_loopback_host()
    {
        // Cheap and wide: any text at all; whatever the classifier accepts must at least parse as an address.
        var property = Prop.ForAll(Arb.From(Gen.OneOf(ArbMap.Default.GeneratorFor<string>(), Address)), text =>
        {
            if (text is null || !ListenAddresses.IsLocal(text))
            {
                return true;
            }

            var address = Microsoft.AspNetCore.Http.BindingAddress.Parse(text);
            return address.IsUnixPipe || string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (System.Net.IPAddress.TryParse(address.Host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(5_000), property);
    }

    [Fact]
    public void An_address_called_loopback_is_bound_by_Kestrel_on_loopback_only()
    {
        var property = Prop.ForAll(Arb.From(Address), template => ListensOnLoopbackOnlyIfCalledLocal(template).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(150), property);
    }

    private static async Task<bool> ListensOnLoopbackOnlyIfCalledLocal(string template)
    {
        // Kestrel refuses port 0 with localhost: take a port that is free now.
        var port = Support.Listening.FreePort();
        var url = template.Replace("{PORT}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        if (!ListenAddresses.IsLocal(url))
        {
            return true;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        await using var app = builder.Build();
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException or ArgumentException or System.Net.Sockets.SocketException)
        {
            // Kestrel refused the address: nothing listens on it.
            return true;
        }

        try
        {
            // Without a port in the text Kestrel takes its default (80): read the ports it bound.
            var ports = app.Urls.Select(bound => Microsoft.AspNetCore.Http.BindingAddress.Parse(bound).Port).Distinct().ToList();
            var sockets = ports.SelectMany(ListeningSockets).ToList();
            Assert.True(sockets.Count > 0, $"{url}: Kestrel started but no socket listens on port(s) {string.Join(", ", ports)}");
            Assert.True(sockets.All(IsLoopbackSocket), $"{url} was called loopback, but Kestrel listens on {string.Join(", ", sockets)}");
            return true;
        }
        finally
        {
            await app.StopAsync();
        }
    }

    /// <summary>The local addresses (hex, as the kernel writes them) of the TCP sockets listening on <paramref name="port"/>.</summary>
    private static List<string> ListeningSockets(int port)
    {
        var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        var found = new List<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1].Split(':');
                if (local[1] == hexPort && fields[3] == "0A")
                {
                    found.Add(local[0]);
                }
            }
        }

        return found;
    }

    /// <summary>127.0.0.0/8 (little-endian hex: the last byte 7F), ::1, or ::ffff:127.x.y.z.</summary>
    private static bool IsLoopbackSocket(string hex) => hex.Length switch
    {
        8 => hex.EndsWith("7F", StringComparison.Ordinal),
        32 => hex == "00000000000000000000000001000000" || (hex.StartsWith("0000000000000000FFFF0000", StringComparison.Ordinal) && hex.EndsWith("7F", StringComparison.Ordinal)),
        _ => false,
    };
}
