using System.Text.Json;
using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed class OpenApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task The_document_describes_every_route_and_which_need_the_token()
    {
        var document = await Requests.GetJsonAsync(fixture.Server.Client, "/openapi/v1.json");

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        string[] routes =
        [
            "/api/upload", "/api/download/{hash}", "/api/find/{hash}", "/api/status", "/api/files",
            "/api/sync/dump", "/api/sync/load", "/api/admin/sync", "/api/admin/evict/{hash}",
        ];
        Assert.Equal(routes.Order(), paths.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(paths.GetProperty("/api/download/{hash}").TryGetProperty("head", out _));
        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("type").GetString());

        var upload = paths.GetProperty("/api/upload").GetProperty("post");
        Assert.True(upload.TryGetProperty("security", out _));
        var bodies = upload.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name).ToList();
        Assert.Contains("multipart/form-data", bodies);
        Assert.Contains("application/octet-stream", bodies);
        Assert.False(paths.GetProperty("/api/status").GetProperty("get").TryGetProperty("security", out _));
        var status = paths.GetProperty("/api/status").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal(JsonValueKind.Object, status.ValueKind);
    }
}
