using CloudManager.Gateway.Tests.Support;

namespace CloudManager.Gateway.Tests;

public sealed class ReplicationTests
{
    [Fact]
    public async Task An_upload_is_replicated_in_the_background_soon_after()
    {
        await using var server = await GatewayServer.StartAsync();
        var content = Requests.RandomBytes(30_000, 70);

        await Requests.UploadAsync(server.Client, content, "soon.bin");

        var hash = ContentHash.Parse(Requests.Sha256(content));
        await Requests.EventuallyAsync(async () => (await server.Pool.Catalog.FindFileAsync(hash, CancellationToken.None))!.StoredCopies == 3, "three copies without being asked", seconds: 10);
        // The copies count as they are made; the run is reported once it has ended (its journal segments written too).
        await Requests.EventuallyAsync(
            async () => (await Requests.GetJsonAsync(server.Client, "/api/status")).GetProperty("sync").GetProperty("last_run") is { ValueKind: System.Text.Json.JsonValueKind.Object } run
                && run.GetProperty("copies_made").GetInt32() >= 3,
            "the run reported with its three copies", seconds: 10);
    }

    [Fact]
    public async Task The_timer_retries_a_host_that_failed_once_it_is_back()
    {
        await using var server = await GatewayServer.StartAsync(o => o.SyncInterval = TimeSpan.FromSeconds(1));
        Directory.Delete(server.HostPath("disk-c"));
        var content = Requests.RandomBytes(8_000, 71);
        var hash = ContentHash.Parse(Requests.Sha256(content));
        await Requests.UploadAsync(server.Client, content, "retry.bin");
        // disk-c's folder is gone: it cannot say who it is, so nothing is tried there until it can.
        await Requests.EventuallyAsync(async () => (await server.Pool.Catalog.FindFileAsync(hash, CancellationToken.None))!.StoredCopies == 2, "copies on the two hosts that answer");
        Assert.Equal(2, (await server.Pool.Catalog.GetCopiesAsync(hash, CancellationToken.None)).Count);

        Directory.CreateDirectory(server.HostPath("disk-c"));

        await Requests.EventuallyAsync(async () => (await server.Pool.Catalog.FindFileAsync(hash, CancellationToken.None))!.StoredCopies == 3, "the periodic run copies to disk-c", seconds: 15);
    }

    [Fact]
    public async Task Admin_sync_runs_now_and_answers_what_it_did()
    {
        await using var server = await GatewayServer.StartAsync(o => o.SyncDelay = TimeSpan.FromMinutes(10));
        await Requests.UploadAsync(server.Client, Requests.RandomBytes(5_000, 72), "now.bin");

        using var response = await server.Client.PostAsync("/api/admin/sync", null);

        var result = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var summary = result.GetProperty("summary");
        Assert.Equal(1, summary.GetProperty("files").GetInt32());
        Assert.Equal(3, summary.GetProperty("copies_made").GetInt32());
        Assert.Equal(0, summary.GetProperty("files_pending").GetInt32());
    }

    [Fact]
    public async Task Stopping_abandons_an_upload_in_flight_within_the_shutdown_timeout_and_leaves_nothing_behind()
    {
        var server = await GatewayServer.StartAsync(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1), hostNames: []);
        await using var cleanup = server;
        var stalled = new StalledStream(200_000);
        var upload = server.Client.PostAsync("/api/upload?filename=stalled.bin", new StreamContent(stalled));
        var temp = Path.Combine(server.CachePath, "tmp");
        await Requests.EventuallyAsync(() => Task.FromResult(Directory.EnumerateFiles(temp, "*.partial", SearchOption.AllDirectories).Any()), "the upload reached the cache");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await server.App.StopAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopping.Elapsed}");
        await Requests.EventuallyAsync(() => Task.FromResult(!Directory.EnumerateFiles(temp, "*.partial", SearchOption.AllDirectories).Any()), "the partial upload is deleted");
        Assert.Equal(0, (await server.Pool.Catalog.CountFilesAsync(CancellationToken.None)).Count);

        // The client notices the closed connection once it has something to send again.
        stalled.Release();
        try
        {
            using var response = await upload;
            Assert.NotEqual(System.Net.HttpStatusCode.Created, response.StatusCode);
        }
        catch (HttpRequestException)
        {
        }
    }

    /// <summary>Sends some bytes, then nothing until released: a client that stops sending mid-upload.</summary>
    private sealed class StalledStream(int before) : Stream
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sent;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _sent; set => throw new NotSupportedException(); }

        public void Release() => _release.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_sent >= before)
            {
                await _release.Task.WaitAsync(cancellationToken);
                return 0;
            }

            var count = Math.Min(buffer.Length, before - _sent);
            buffer.Span[..count].Fill(7);
            _sent += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
