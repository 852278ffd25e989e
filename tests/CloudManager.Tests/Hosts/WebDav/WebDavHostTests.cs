using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudManager.Hosts;
using CloudManager.Hosts.WebDav;
using CloudManager.Testing;

namespace CloudManager.Tests.Hosts.WebDav;

public sealed class WebDavHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Wrong_password_is_a_refusal_not_unavailability()
    {
        await using var host = new WebDavHost("dav", WebDavHostFixture.Options($"{Guid.NewGuid():N}/", password: "wrong"));
        var content = new ContentRef(ContentHash.Compute([1, 2, 3]), 3);
        var error = await Assert.ThrowsAsync<HostOperationException>(() => host.ExistsAsync(content, new HostLocator("x"), Token));
        Assert.False(error.IsTransient);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_leaves_nothing_under_incoming_once_in_place()
    {
        var collection = $"{Guid.NewGuid():N}/";
        await using var host = new WebDavHost("dav", WebDavHostFixture.Options(collection));
        var path = _folder.WriteRandomFile("a.bin", 70_000, 1);
        var content = new ContentRef(ContentHash.Compute(File.ReadAllBytes(path)), 70_000);
        await host.UploadAsync(content, path, Token);
        await using var incoming = new WebDavHost("dav", WebDavHostFixture.Options(collection + ContentKeys.IncomingFolder + "/"));
        // The incoming collection holds no shard folders and no content: its listing is empty.
        Assert.Empty(await incoming.ListAsync(Token).ToListAsync(Token));
        Assert.Single(await host.ListAsync(Token).ToListAsync(Token));
    }

    [Fact]
    public async Task Tls_server_is_trusted_through_the_configured_authority_only()
    {
        var rclone = TestServers.RequireTool("rclone", "eng/services/webdav.sh");
        var (caPath, certPath, keyPath) = WriteCertificates();
        var port = FreePort();
        string[] arguments =
        [
            "serve", "webdav", _folder.CreateFolder("tls-root"), "--addr", $"127.0.0.1:{port}", "--cert", certPath, "--key", keyPath, "--config", "/dev/null",
            "--log-level", "ERROR",
        ];
        using var server = Process.Start(rclone, arguments);
        try
        {
            await WaitForPortAsync(port);
            var url = new Uri($"https://127.0.0.1:{port}/pool/");
            var path = _folder.WriteRandomFile("a.bin", 5000, 2);
            var content = new ContentRef(ContentHash.Compute(File.ReadAllBytes(path)), 5000);

            await using (var trusting = new WebDavHost("dav", new WebDavHostOptions { Url = url, CaCertificatePath = caPath }))
            {
                var locator = await trusting.UploadAsync(content, path, Token);
                Assert.True(await trusting.ExistsAsync(content, locator, Token));
            }

            await using (var strict = new WebDavHost("dav", new WebDavHostOptions { Url = url }))
            {
                var refused = await Assert.ThrowsAsync<HostOperationException>(() => strict.ExistsAsync(content, new HostLocator("x"), Token));
                Assert.False(refused.IsTransient);
            }

            await using (var lax = new WebDavHost("dav", new WebDavHostOptions { Url = url, AllowUntrustedCertificate = true }))
            {
                Assert.True(await lax.ExistsAsync(content, new HostLocator("x"), Token));
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    public void Dispose() => _folder.Dispose();

    private (string Ca, string Cert, string Key) WriteCertificates()
    {
        // One clock reading for both: a server certificate may not outlive its authority, even by a second.
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=cloud-manager test authority", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

        var caPath = _folder.Combine("ca.pem");
        var certPath = _folder.Combine("server.pem");
        var keyPath = _folder.Combine("server.key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certPath, server.ExportCertificatePem());
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return (caPath, certPath, keyPath);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, Token);
            }
        }

        Assert.Fail($"rclone serve webdav did not listen on port {port}.");
    }
}
