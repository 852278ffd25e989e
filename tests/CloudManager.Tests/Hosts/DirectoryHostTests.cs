using CloudManager.Hosts;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Hosts;

public sealed class DirectoryHostFixture : IStorageHostFixture, IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly HostPlaces _places = new();

    public Task<IStorageHost> CreateHostAsync() => CreateAt(_folder.CreateFolder(Guid.NewGuid().ToString("N")));

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) =>
        File.WriteAllBytesAsync(Path.Combine(_places.Of(host), HostMarker.ObjectName), bytes, TestContext.Current.CancellationToken);

    public Task<IStorageHost> CreateUnavailableHostAsync() =>
        Task.FromResult<IStorageHost>(new DirectoryHost("dir-missing", _folder.Combine("not-mounted", Guid.NewGuid().ToString("N"))));

    public void Dispose() => _folder.Dispose();

    private Task<IStorageHost> CreateAt(string folder) => Task.FromResult(_places.Remember(new DirectoryHost("dir", folder), folder));
}

public sealed class DirectoryHostTests(DirectoryHostFixture fixture)
    : StorageHostConformanceTests<DirectoryHostFixture>(fixture), IClassFixture<DirectoryHostFixture>
{
    [Fact]
    public async Task UploadAsync_leaves_no_partial_file_when_source_is_shorter_than_declared()
    {
        using var folder = new TempFolder();
        var root = folder.CreateFolder("host");
        await using var host = new DirectoryHost("dir", root);
        var source = folder.WriteRandomFile("src", 100, 1);
        var claimed = new ContentRef(ContentHash.Compute(File.ReadAllBytes(source)), 200);
        await Assert.ThrowsAsync<ContentMismatchException>(() => host.UploadAsync(claimed, source, TestContext.Current.CancellationToken));
        Assert.Empty(await host.ListAsync(TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken));
        Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_first_upload_deletes_partial_copies_of_killed_writers_but_not_those_being_written()
    {
        using var folder = new TempFolder();
        var root = folder.CreateFolder("host");
        var incoming = Directory.CreateDirectory(Path.Combine(root, ".incoming")).FullName;
        var abandoned = Path.Combine(incoming, "a.partial");
        await File.WriteAllBytesAsync(abandoned, new byte[1000], TestContext.Current.CancellationToken);
        var inFlight = Path.Combine(incoming, "b.partial");
        await using var writer = new FileStream(inFlight, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        await using var host = new DirectoryHost("dir", root);
        var source = folder.WriteRandomFile("src", 100, 1);

        await host.UploadAsync(new ContentRef(ContentHash.Compute(File.ReadAllBytes(source)), 100), source, TestContext.Current.CancellationToken);

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(inFlight));
    }

    [Fact]
    public async Task Only_CreateMarkerAsync_creates_a_missing_folder_uploads_and_reads_never_do()
    {
        using var folder = new TempFolder();
        var root = folder.Combine("mnt", "pool");
        await using var host = new DirectoryHost("dir", root);
        var source = folder.WriteRandomFile("src", 100, 1);
        var content = new ContentRef(ContentHash.Compute(File.ReadAllBytes(source)), 100);
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.UploadAsync(content, source, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<HostUnavailableException>(() => host.ReadMarkerAsync(TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(root));

        var marker = await host.CreateMarkerAsync(HostMarker.CreateNew(TimeProvider.System), TestContext.Current.CancellationToken);

        Assert.True(Directory.Exists(root));
        Assert.Equal([HostMarker.ObjectName], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));
        Assert.Equal(marker, await host.ReadMarkerAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_folder_at_the_marker_name_is_an_error()
    {
        using var folder = new TempFolder();
        var root = folder.CreateFolder("host");
        Directory.CreateDirectory(Path.Combine(root, HostMarker.ObjectName));
        await using var host = new DirectoryHost("dir", root);
        var error = await Assert.ThrowsAsync<HostMarkerException>(() => host.ReadMarkerAsync(TestContext.Current.CancellationToken));
        Assert.Contains("is a folder", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HostMarkerException>(() => host.CreateMarkerAsync(HostMarker.CreateNew(TimeProvider.System), TestContext.Current.CancellationToken));
        Assert.True(Directory.Exists(Path.Combine(root, HostMarker.ObjectName)));
    }

    [Fact]
    public async Task Many_racing_creators_on_one_folder_end_with_one_marker_and_no_temp_files()
    {
        using var folder = new TempFolder();
        var root = folder.CreateFolder("host");
        var hosts = Enumerable.Range(0, 8).Select(_ => new DirectoryHost("dir", root)).ToList();
        var markers = await Task.WhenAll(hosts.Select(h => Task.Run(() => h.CreateMarkerAsync(HostMarker.CreateNew(TimeProvider.System), TestContext.Current.CancellationToken))));
        Assert.Single(markers.Select(m => m.Id).Distinct());
        Assert.Equal([HostMarker.ObjectName], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Location_is_the_real_folder_behind_a_symbolic_link()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Symbolic links need privileges on Windows.");
        using var folder = new TempFolder();
        var real = folder.CreateFolder("disk");
        var link = folder.Combine("link");
        Directory.CreateSymbolicLink(link, real);
        await using var viaLink = new DirectoryHost("a", link + "/");
        await using var direct = new DirectoryHost("b", real);
        Assert.Equal(direct.Location, viaLink.Location);
        Assert.Equal(HostConflictKind.SamePlace, Assert.Single(HostOverlap.Find([("a", viaLink.Location), ("b", direct.Location)], [])).Kind);
    }

    [Fact]
    public async Task Locator_from_elsewhere_is_never_used_as_a_path()
    {
        using var folder = new TempFolder();
        var root = folder.CreateFolder("host");
        File.WriteAllText(folder.Combine("secret"), "secret");
        await using var host = new DirectoryHost("dir", root);
        var content = new ContentRef(ContentHash.Compute("secret"u8), 6);
        var hostile = new HostLocator("../secret");
        Assert.False(await host.ExistsAsync(content, hostile, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ContentNotFoundException>(() => host.OpenReadAsync(content, hostile, TestContext.Current.CancellationToken));
        await host.DeleteAsync(content, hostile, TestContext.Current.CancellationToken);
        Assert.True(File.Exists(folder.Combine("secret")));
    }
}

[Collection(LargeContentCollection.Name)]
public sealed class DirectoryHostLargeContentTests(DirectoryHostFixture fixture)
    : LargeContentConformanceTests<DirectoryHostFixture>(fixture), IClassFixture<DirectoryHostFixture>;

public sealed class EncryptedDirectoryHostFixture() : CloudManager.Testing.Conformance.EncryptedHostFixture(new DirectoryHostFixture());

public sealed class EncryptedDirectoryHostConformanceTests(EncryptedDirectoryHostFixture fixture)
    : EncryptedStorageHostConformanceTests<EncryptedDirectoryHostFixture>(fixture), IClassFixture<EncryptedDirectoryHostFixture>;
