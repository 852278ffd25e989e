using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using CloudManager.Gateway.Tests.Support;
using CloudManager.Testing;

namespace CloudManager.Gateway.Tests;

/// <summary><c>cm serve</c> as a real process: configuration, token from the environment, a 1 GiB upload in flat memory, SIGTERM.</summary>
public sealed class ServeCommandTests(ITestOutputHelper output)
{
    private const long OneGiB = 1L << 30;

    [Fact]
    public async Task Serve_takes_a_1_GiB_upload_in_flat_memory_requires_the_token_and_stops_cleanly_on_SIGTERM()
    {
        using var folder = new TempFolder();
        var config = folder.Combine("cloudmanager.json");
        // No hosts: nothing replicates the gigabyte afterwards; the upload alone is measured.
        await File.WriteAllTextAsync(config, """
            { "catalog": "catalog.db", "cache": "cache", "capacity": "2GiB", "hosts": [],
              "gateway": { "maxUploadSize": "1.5GiB", "shutdownTimeout": "2s" } }
            """);
        var environment = new Dictionary<string, string> { ["CM_GATEWAY_TOKEN"] = GatewayServer.Token, ["HOME"] = folder.Path };
        var setup = await ServeProcess.RunAsync(environment, "setup-db", folder.Combine("catalog.db"));
        Assert.Equal(0, setup.ExitCode);
        await using var serve = await ServeProcess.StartAsync(config, environment);
        using var client = new HttpClient { BaseAddress = serve.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

        using (var anonymous = await client.PostAsync("/api/upload?filename=x.bin", new ByteArrayContent([1])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        var status = await Requests.GetJsonAsync(client, "/api/status");
        Assert.Equal((long)(1.5 * OneGiB), status.GetProperty("storage").GetProperty("max_file_size").GetInt64());
        var (currentBefore, peakBefore) = serve.Memory();

        var generated = new GeneratedStream(OneGiB);
        var form = new MultipartFormDataContent { { new StreamContent(generated, 1 << 20), "file", "one-gigabyte.bin" } };
        using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = form };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.Token);
        using var response = await client.SendAsync(upload);
        var answer = await response.Content.ReadAsStringAsync();

        var (currentAfter, peakAfter) = serve.Memory();
        output.WriteLine($"server memory: before {currentBefore >> 20} MiB (peak {peakBefore >> 20} MiB), after a 1 GiB upload {currentAfter >> 20} MiB (peak {peakAfter >> 20} MiB)");
        Assert.True(response.StatusCode == HttpStatusCode.Created, answer);
        Assert.Contains(generated.Hash, answer, StringComparison.Ordinal);
        Assert.Contains($"\"filesize\":{OneGiB}", answer, StringComparison.Ordinal);
        // Buffering the file would add a gigabyte; streaming adds the transfer buffers.
        Assert.True(peakAfter - peakBefore < 128L << 20, $"the server's peak memory grew by {(peakAfter - peakBefore) >> 20} MiB during the upload");

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/download/{generated.Hash}"));
        Assert.Equal(OneGiB, head.Content.Headers.ContentLength);

        Assert.Equal(0, await serve.StopAsync());
        Assert.Contains("stopping", serve.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_logs_once_at_start_that_a_fresh_catalog_got_the_cached_files_registered_again()
    {
        using var folder = new TempFolder();
        var config = folder.Combine("cloudmanager.json");
        await File.WriteAllTextAsync(config, """{ "catalog": "catalog.db", "cache": "cache", "capacity": "64MiB", "hosts": [] }""");
        var environment = new Dictionary<string, string> { ["HOME"] = folder.Path };
        Assert.Equal(0, (await ServeProcess.RunAsync(environment, "setup-db", folder.Combine("catalog.db"))).ExitCode);
        // A cached file of a catalog that is not this one: its only copy.
        byte[] content = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 31))];
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        var cached = Path.Combine(folder.Combine("cache"), "objects", hash[..2], hash);
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        await File.WriteAllBytesAsync(cached, content);

        await using (var serve = await ServeProcess.StartAsync(config, environment))
        {
            using var client = new HttpClient { BaseAddress = serve.BaseAddress };
            var files = await Requests.GetJsonAsync(client, "/api/status");
            Assert.Equal(1, files.GetProperty("files").GetProperty("count").GetInt64());
            Assert.Equal(0, await serve.StopAsync());
            Assert.Contains("is new or empty, but the cache folder", serve.Stderr, StringComparison.Ordinal);
            var registered = serve.Stderr.Split("registered again as pending").Length - 1;
            Assert.True(registered == 1, serve.Stderr);
        }

        Assert.Equal(content, await File.ReadAllBytesAsync(cached));
    }

    [Fact]
    public async Task Serve_refuses_a_non_loopback_address_without_a_token_with_exit_code_2()
    {
        using var folder = new TempFolder();
        var environment = new Dictionary<string, string> { ["HOME"] = folder.Path };

        var (exitCode, stdout, stderr) = await ServeProcess.RunAsync(environment, "serve", "--urls", "http://0.0.0.0:0");

        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("without a token", stderr, StringComparison.Ordinal);
        Assert.Contains("CM_GATEWAY_TOKEN", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_token_written_in_the_config_file()
    {
        using var folder = new TempFolder();
        var config = folder.Combine("cloudmanager.json");
        await File.WriteAllTextAsync(config, """{ "gateway": { "token": "0123456789abcdef0123" } }""");

        var (exitCode, _, stderr) = await ServeProcess.RunAsync(new Dictionary<string, string> { ["HOME"] = folder.Path }, "--config", config, "serve");

        Assert.Equal(2, exitCode);
        Assert.Contains("CM_GATEWAY_TOKEN", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_memory_cache_that_is_not_a_size()
    {
        using var folder = new TempFolder();
        var config = folder.Combine("cloudmanager.json");
        await File.WriteAllTextAsync(config, """{ "gateway": { "memoryCache": "lots" } }""");

        var (exitCode, stdout, stderr) = await ServeProcess.RunAsync(new Dictionary<string, string> { ["HOME"] = folder.Path }, "--config", config, "serve");

        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("memoryCache", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A gigabyte made up while it is read, hashed on the way: the client holds one block, so the
    /// test's own memory stays flat too.
    /// </summary>
    private sealed class GeneratedStream(long length) : Stream
    {
        private readonly byte[] _block = RandomNumberGenerator.GetBytes(1 << 20);
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        private string? _hash;

        public string Hash => _hash ?? throw new InvalidOperationException("The stream has not been read to its end.");

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - _position);
            var written = 0;
            while (written < count)
            {
                var offset = (int)((_position + written) % _block.Length);
                if (offset == 0)
                {
                    // Every block differs from the one before it.
                    BitConverter.TryWriteBytes(_block, _position + written);
                }

                var chunk = Math.Min(count - written, _block.Length - offset);
                _block.AsSpan(offset, chunk).CopyTo(buffer[written..]);
                written += chunk;
            }

            _sha.AppendData(buffer[..count]);
            _position += count;
            if (_position == length && _hash is null)
            {
                _hash = Convert.ToHexStringLower(_sha.GetHashAndReset());
            }

            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _sha.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
