using System.Net;
using System.Net.Http.Headers;
using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed class UploadTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private GatewayServer Server => fixture.Server;

    [Fact]
    public async Task Upload_multipart_answers_hash_name_and_size_and_the_file_downloads_back()
    {
        var content = Requests.RandomBytes(300_000, 1);

        var answer = await Requests.UploadAsync(Server.Client, content, "report.pdf");

        Assert.Equal(Requests.Sha256(content), answer.GetProperty("filehash").GetString());
        Assert.Equal("report.pdf", answer.GetProperty("filename").GetString());
        Assert.Equal(content.Length, answer.GetProperty("filesize").GetInt64());
        Assert.Equal(content, await Server.Client.GetByteArrayAsync($"/api/download/{Requests.Sha256(content)}"));
    }

    [Fact]
    public async Task Upload_raw_body_with_filename_is_stored_under_that_name_with_a_location()
    {
        var content = Requests.RandomBytes(70_000, 2);
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        using var response = await Server.Client.PostAsync("/api/upload?filename=picture.png", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/download/{Requests.Sha256(content)}", response.Headers.Location?.ToString());
        var file = await Server.Pool.InfoAsync(Requests.Sha256(content));
        Assert.Equal("picture.png", file!.FileName);
        Assert.Equal(content.Length, file.FileSize);
    }

    [Fact]
    public async Task Upload_of_known_content_answers_the_same_and_adds_nothing()
    {
        var content = Requests.RandomBytes(1000, 3);
        var first = await Requests.UploadAsync(Server.Client, content, "first.bin");
        var before = await Server.Pool.Catalog.CountFilesAsync(CancellationToken.None);

        var second = await Requests.UploadAsync(Server.Client, content, "second.bin");

        Assert.Equal(first.GetProperty("filehash").GetString(), second.GetProperty("filehash").GetString());
        Assert.Equal("first.bin", second.GetProperty("filename").GetString());
        Assert.Equal(before, await Server.Pool.Catalog.CountFilesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Upload_of_an_empty_file_works()
    {
        var answer = await Requests.UploadAsync(Server.Client, [], "empty.txt");

        Assert.Equal(Requests.Sha256([]), answer.GetProperty("filehash").GetString());
        Assert.Equal(0, answer.GetProperty("filesize").GetInt64());
    }

    [Fact]
    public async Task Upload_raw_body_without_filename_is_a_400_problem()
    {
        using var response = await Server.Client.PostAsync("/api/upload", new ByteArrayContent([1, 2, 3]));

        var problem = await Requests.ProblemAsync(response, 400);
        Assert.Contains("filename", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_form_without_a_file_field_is_a_400_problem()
    {
        using var response = await Server.Client.PostAsync("/api/upload", Requests.Form([1, 2, 3], "a.bin", field: "document"));

        var problem = await Requests.ProblemAsync(response, 400);
        Assert.Contains("'file'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\someone\\Desktop\\notes.txt", "notes.txt")]
    [InlineData("folder/..", "..")]
    public async Task Upload_name_is_metadata_only_and_never_reaches_the_file_system(string clientName, string baseName)
    {
        var content = Requests.RandomBytes(512, clientName.Length);
        var outside = Path.Combine(Server.Folder.Path, "passwd");

        var answer = await Requests.UploadAsync(Server.Client, content, clientName);

        var hash = Requests.Sha256(content);
        var expectedName = baseName == ".." ? hash[..10] : baseName;
        Assert.Equal(expectedName, answer.GetProperty("filename").GetString());
        Assert.False(File.Exists(outside));
        var cached = Directory.EnumerateFiles(Path.Combine(Server.CachePath, "objects"), "*", SearchOption.AllDirectories);
        Assert.Contains(Path.Combine(Server.CachePath, "objects", hash[..2], hash), cached);
        Assert.DoesNotContain(cached, path => Path.GetFileName(path) == baseName);
    }
}
