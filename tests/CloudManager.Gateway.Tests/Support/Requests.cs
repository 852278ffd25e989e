using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace CloudManager.Gateway.Tests.Support;

/// <summary>Requests the tests make again and again.</summary>
public static class Requests
{
    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static MultipartFormDataContent Form(byte[] content, string fileName, string field = "file")
    {
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(content), field, fileName);
        return form;
    }

    /// <summary>Uploads through the multipart form and returns the parsed answer; fails the test on any other status than 201.</summary>
    public static async Task<JsonElement> UploadAsync(HttpClient client, byte[] content, string fileName)
    {
        using var response = await client.PostAsync("/api/upload", Form(content, fileName));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Reads a problem-details answer and checks its status and content type.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Polls until <paramref name="condition"/> holds, failing after <paramref name="seconds"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"after {seconds} s: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the background replication has nothing left to copy and is idle.</summary>
    public static Task WaitForReplicationAsync(HttpClient client) => EventuallyAsync(async () =>
    {
        var sync = (await GetJsonAsync(client, "/api/status")).GetProperty("sync");
        return sync.GetProperty("cloud_queue").GetProperty("count").GetInt64() == 0 && !sync.GetProperty("running").GetBoolean();
    }, "the replication is done");

    public static Task<HttpResponseMessage> PostJsonTextAsync(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static Task<T?> ReadAsync<T>(HttpResponseMessage response) => response.Content.ReadFromJsonAsync<T>();
}
