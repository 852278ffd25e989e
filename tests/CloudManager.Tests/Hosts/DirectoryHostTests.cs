using CloudManager.Hosts;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Hosts;

public sealed class DirectoryHostFixture : IStorageHostFixture, IDisposable
{
    private readonly TempFolder _folder = new();

    public Task<IStorageHost> CreateHostAsync() =>
        Task.FromResult<IStorageHost>(new DirectoryHost("dir", _folder.CreateFolder(Guid.NewGuid().ToString("N"))));

    public Task<IStorageHost> CreateUnavailableHostAsync() =>
        Task.FromResult<IStorageHost>(new DirectoryHost("dir-missing", _folder.Combine("not-mounted", Guid.NewGuid().ToString("N"))));

    public void Dispose() => _folder.Dispose();
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
