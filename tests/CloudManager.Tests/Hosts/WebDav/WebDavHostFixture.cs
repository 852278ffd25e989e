using CloudManager.Hosts;
using CloudManager.Hosts.WebDav;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Hosts.WebDav;

/// <summary>WebDAV hosts on the server that eng/services/webdav.sh runs, each in a fresh collection.</summary>
public sealed class WebDavHostFixture : IStorageHostFixture
{
    private readonly HostPlaces _places = new();

    public Task<IStorageHost> CreateHostAsync() => CreateAt(Guid.NewGuid().ToString("N"));

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        DavFiles.PutAsync($"{_places.Of(host)}/{HostMarker.ObjectName}", bytes);

    private Task<IStorageHost> CreateAt(string collection) =>
        Task.FromResult(_places.Remember(new WebDavHost("dav", Options($"{collection}/")), collection));

    public Task<IStorageHost> CreateUnavailableHostAsync() =>
        Task.FromResult<IStorageHost>(new WebDavHost("dav-down", new WebDavHostOptions { Url = new Uri("http://127.0.0.1:1/pool/"), ConnectTimeout = TimeSpan.FromSeconds(2) }));

    public static WebDavHostOptions Options(string collection, string? password = null) => new()
    {
        Url = new Uri(new Uri(TestServers.Require("POOL_TEST_WEBDAV_URL", "eng/services/webdav.sh")), collection),
        User = TestServers.Require("POOL_TEST_WEBDAV_USER", "eng/services/webdav.sh"),
        Password = password ?? TestServers.Require("POOL_TEST_WEBDAV_PASSWORD", "eng/services/webdav.sh"),
    };
}

public sealed class WebDavHostConformanceTests(WebDavHostFixture fixture)
    : StorageHostConformanceTests<WebDavHostFixture>(fixture), IClassFixture<WebDavHostFixture>;

[Collection(LargeContentCollection.Name)]
public sealed class WebDavHostLargeContentTests(WebDavHostFixture fixture)
    : LargeContentConformanceTests<WebDavHostFixture>(fixture), IClassFixture<WebDavHostFixture>;

public sealed class EncryptedWebDavHostFixture() : EncryptedHostFixture(new WebDavHostFixture());

public sealed class EncryptedWebDavHostConformanceTests(EncryptedWebDavHostFixture fixture)
    : EncryptedStorageHostConformanceTests<EncryptedWebDavHostFixture>(fixture), IClassFixture<EncryptedWebDavHostFixture>;
