using System.Diagnostics;
using CloudManager.Hosts;
using CloudManager.Hosts.Rclone;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Hosts.Rclone;

/// <summary>rclone over an on-the-fly <c>:local:</c> remote in a temp folder.</summary>
public sealed class RcloneLocalHostFixture : IStorageHostFixture, IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly HostPlaces _places = new();

    public Task<IStorageHost> CreateHostAsync() => CreateAt(_folder.CreateFolder(Guid.NewGuid().ToString("N")));

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        File.WriteAllBytesAsync(Path.Combine(_places.Of(host), HostMarker.ObjectName), bytes, TestContext.Current.CancellationToken);

    private Task<IStorageHost> CreateAt(string root)
    {
        TestServers.RequireTool("rclone", "eng/services/webdav.sh");
        return Task.FromResult(_places.Remember(new RcloneHost("rclone-local", new RcloneHostOptions { Remote = $":local:{root}", ConfigPath = NoConfig }), root));
    }

    public Task<IStorageHost> CreateUnavailableHostAsync()
    {
        TestServers.RequireTool("rclone", "eng/services/webdav.sh");
        return Task.FromResult<IStorageHost>(RcloneFixtures.Unreachable());
    }

    /// <summary>An empty config file, so that no user's rclone config is read by the tests.</summary>
    private string NoConfig
    {
        get
        {
            var path = _folder.Combine("rclone.conf");
            if (!File.Exists(path))
            {
                File.WriteAllText(path, "");
            }

            return path;
        }
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>rclone over a <c>webdav</c> remote, defined in a config file, on the server that eng/services/webdav.sh runs.</summary>
public sealed class RcloneWebDavHostFixture : IStorageHostFixture, IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly HostPlaces _places = new();
    private string? _configPath;

    public Task<IStorageHost> CreateHostAsync() => CreateAt(Guid.NewGuid().ToString("N"));

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        DavFiles.PutAsync($"{_places.Of(host)}/{HostMarker.ObjectName}", bytes);

    private async Task<IStorageHost> CreateAt(string collection)
    {
        var config = await ConfigAsync();
        return _places.Remember(new RcloneHost("rclone-dav", new RcloneHostOptions { Remote = $"pooldav:{collection}", ConfigPath = config }), collection);
    }

    public Task<IStorageHost> CreateUnavailableHostAsync()
    {
        TestServers.RequireTool("rclone", "eng/services/webdav.sh");
        return Task.FromResult<IStorageHost>(RcloneFixtures.Unreachable());
    }

    public void Dispose() => _folder.Dispose();

    private async Task<string> ConfigAsync()
    {
        var url = TestServers.Require("POOL_TEST_WEBDAV_URL", "eng/services/webdav.sh");
        var user = TestServers.Require("POOL_TEST_WEBDAV_USER", "eng/services/webdav.sh");
        var password = TestServers.Require("POOL_TEST_WEBDAV_PASSWORD", "eng/services/webdav.sh");
        var rclone = TestServers.RequireTool("rclone", "eng/services/webdav.sh");
        if (_configPath is not null)
        {
            return _configPath;
        }

        // rclone keeps passwords obscured in its config; `rclone obscure` is how a user writes one.
        using var obscure = Process.Start(new ProcessStartInfo(rclone, ["obscure", password]) { RedirectStandardOutput = true })!;
        var obscured = (await obscure.StandardOutput.ReadToEndAsync()).Trim();
        await obscure.WaitForExitAsync();
        var path = _folder.Combine("rclone.conf");
        await File.WriteAllTextAsync(path, $"[pooldav]\ntype = webdav\nurl = {url}\nvendor = other\nuser = {user}\npass = {obscured}\n");
        _configPath = path;
        return path;
    }
}

internal static class RcloneFixtures
{
    /// <summary>A webdav remote on a loopback port where nothing listens.</summary>
    public static RcloneHost Unreachable() =>
        new("rclone-down", new RcloneHostOptions { Remote = ":webdav,url='http://127.0.0.1:1/':pool", ConfigPath = "/dev/null" });
}

public sealed class RcloneLocalHostTests(RcloneLocalHostFixture fixture)
    : StorageHostConformanceTests<RcloneLocalHostFixture>(fixture), IClassFixture<RcloneLocalHostFixture>;

public sealed class RcloneWebDavHostTests(RcloneWebDavHostFixture fixture)
    : StorageHostConformanceTests<RcloneWebDavHostFixture>(fixture), IClassFixture<RcloneWebDavHostFixture>;

[Collection(LargeContentCollection.Name)]
public sealed class RcloneLocalHostLargeContentTests(RcloneLocalHostFixture fixture)
    : LargeContentConformanceTests<RcloneLocalHostFixture>(fixture), IClassFixture<RcloneLocalHostFixture>;

[Collection(LargeContentCollection.Name)]
public sealed class RcloneWebDavHostLargeContentTests(RcloneWebDavHostFixture fixture)
    : LargeContentConformanceTests<RcloneWebDavHostFixture>(fixture), IClassFixture<RcloneWebDavHostFixture>;
