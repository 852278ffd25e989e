using System.Net.Http.Headers;
using System.Text;

namespace CloudManager.Testing;

/// <summary>Writes files straight onto the WebDAV server that eng/services/webdav.sh runs, past any host: damage or another program's files.</summary>
public static class DavFiles
{
    /// <summary>PUTs bytes at a path relative to the server's root, making the collections above it first.</summary>
    public static async Task PutAsync(string relativePath, byte[] bytes)
    {
        var root = new Uri(TestServers.Require("POOL_TEST_WEBDAV_URL", "eng/services/webdav.sh"));
        var user = TestServers.Require("POOL_TEST_WEBDAV_USER", "eng/services/webdav.sh");
        var password = TestServers.Require("POOL_TEST_WEBDAV_PASSWORD", "eng/services/webdav.sh");
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        var token = TestContext.Current.CancellationToken;
        var parts = relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var folder = "";
        foreach (var part in parts[..^1])
        {
            folder += part + "/";
            using var mkcol = new HttpRequestMessage(new HttpMethod("MKCOL"), new Uri(root, folder));
            using var made = await http.SendAsync(mkcol, token);
        }

        using var content = new ByteArrayContent(bytes);
        using var put = await http.PutAsync(new Uri(root, relativePath), content, token);
        put.EnsureSuccessStatusCode();
    }
}
