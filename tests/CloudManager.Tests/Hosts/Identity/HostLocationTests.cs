using CloudManager.Hosts;
using CloudManager.Hosts.Plowshare;
using CloudManager.Hosts.Rclone;
using CloudManager.Hosts.WebDav;
using CloudManager.Testing;

namespace CloudManager.Tests.Hosts.Identity;

/// <summary>Each kind's <see cref="IStorageHost.Location"/>, known without contacting the host, and the plowshare kind's derived identity.</summary>
public sealed class HostLocationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_local_rclone_remote_is_a_file_location_and_meets_a_directory_host_on_the_same_folder()
    {
        var root = _folder.CreateFolder("pool");
        await using var rclone = new RcloneHost("r", new RcloneHostOptions { Remote = $":local:{root}/" });
        await using var plain = new RcloneHost("p", new RcloneHostOptions { Remote = root });
        await using var directory = new DirectoryHost("d", root);
        Assert.Equal(directory.Location, rclone.Location);
        Assert.Equal(directory.Location, plain.Location);
        Assert.Equal(3, HostOverlap.Find([("r", rclone.Location), ("p", plain.Location), ("d", directory.Location)], []).Count);
    }

    [Fact]
    public async Task A_named_rclone_remote_is_an_rclone_location()
    {
        await using var host = new RcloneHost("r", new RcloneHostOptions { Remote = "r2:pool/node-a/" });
        Assert.Equal(new HostLocation("rclone", "r2:pool/node-a"), host.Location);
    }

    [Fact]
    public async Task A_webdav_location_always_names_the_port_and_ends_with_a_slash()
    {
        await using var host = new WebDavHost("w", new WebDavHostOptions { Url = new Uri("https://NAS.example/dav/Pool") });
        Assert.Equal(new HostLocation("webdav", "https://nas.example:443/dav/Pool/"), host.Location);
    }

    [Fact]
    public async Task A_plowshare_host_s_identity_is_derived_from_module_and_account()
    {
        await using var anonymous = new PlowshareHost("a", new PlowshareHostOptions { Module = "mediafire" });
        await using var alice = new PlowshareHost("b", new PlowshareHostOptions { Module = "mediafire", Account = "alice" });
        await using var aliceAgain = new PlowshareHost("c", new PlowshareHostOptions { Module = "mediafire", Account = "alice" });
        Assert.False(alice.Capabilities.StoresMarker);
        Assert.Equal(new HostLocation("plowshare", "mediafire/anonymous"), anonymous.Location);
        Assert.Equal(new HostLocation("plowshare", "mediafire/alice"), alice.Location);
        var marker = await alice.ReadMarkerAsync(Token);
        Assert.Equal(new HostMarker(HostMarker.DeriveId("plowshare", "mediafire", "alice"), DateTimeOffset.UnixEpoch, "plowshare"), marker);
        Assert.Equal(marker, await aliceAgain.CreateMarkerAsync(HostMarker.CreateNew(TimeProvider.System), Token));
        Assert.NotEqual(marker!.Id, (await anonymous.ReadMarkerAsync(Token))!.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a\nb")]
    public void A_plowshare_account_name_that_would_blur_the_location_is_refused(string account)
    {
        var error = Assert.Throws<ArgumentException>(() => new PlowshareHost("a", new PlowshareHostOptions { Module = "mediafire", Account = account }));
        Assert.Contains("account name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_plowshare_factory_reads_the_account_setting()
    {
        await using var host = HostRegistry.CreateDefault().Create("mf", "plowshare", new Dictionary<string, string> { ["module"] = "mediafire", ["account"] = "bob" });
        Assert.Equal(new HostLocation("plowshare", "mediafire/bob"), host.Location);
    }

    public void Dispose() => _folder.Dispose();
}
