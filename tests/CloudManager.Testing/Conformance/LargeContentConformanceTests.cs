using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CloudManager.Hosts;

namespace CloudManager.Testing.Conformance;

/// <summary>
/// The tests that run alone, because they measure the process: nothing else may allocate meanwhile.
/// xunit reads collection definitions only from the test assembly itself, so each test project that
/// runs the large-content suite declares <c>[CollectionDefinition(LargeContentCollection.Name,
/// DisableParallelization = true)]</c> on a class of its own; without it the suite runs beside other
/// tests and its memory figures mean nothing.
/// </summary>
public static class LargeContentCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Large content (runs alone)";
}

/// <summary>
/// One large file (256 MiB by default, <c>POOL_TEST_LARGE_MIB</c> to change) streamed up and back, with
/// the process's memory watched: a host that buffers whole files fails here. A host kind adds a
/// subclass in <see cref="LargeContentCollection"/> with its fixture.
/// </summary>
public abstract class LargeContentConformanceTests<TFixture>(TFixture fixture) : IDisposable
    where TFixture : class, IStorageHostFixture
{
    /// <summary>How much the process may grow while moving the file, whatever its size.</summary>
    private const long MemoryAllowance = 64L << 20;

    private readonly TempFolder _scratch = new();

    protected TFixture Fixture { get; } = fixture;

    private static long LargeLength =>
        Math.Max(256, int.TryParse(Environment.GetEnvironmentVariable("POOL_TEST_LARGE_MIB"), CultureInfo.InvariantCulture, out var mib) ? mib : 256) * (1L << 20);

    [Fact]
    public virtual async Task UploadAsync_then_OpenReadAsync_round_trips_a_large_file_in_flat_memory()
    {
        var token = TestContext.Current.CancellationToken;
        var (content, path) = await WriteFileAsync("large.bin", LargeLength, token);
        await using var host = await Fixture.CreateHostAsync();
        // One small round trip first, so that loading and compiling the host's code is not counted.
        var (small, smallPath) = await WriteFileAsync("small.bin", 1 << 20, token);
        var smallLocator = await host.UploadAsync(small, smallPath, token);
        await using (var warm = await host.OpenReadAsync(small, smallLocator, token))
        {
            await HashAsync(warm, token);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var watch = new MemoryWatch();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var locator = await host.UploadAsync(content, path, token);
        var uploaded = clock.Elapsed;
        Assert.True(await host.ExistsAsync(content, locator, token));
        ContentHash readBack;
        long length;
        await using (var stream = await host.OpenReadAsync(content, locator, token))
        {
            (readBack, length) = await HashAsync(stream, token);
        }

        var total = clock.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var grown = watch.Stop();
        var peak = watch.Peak;

        if (host.Capabilities.CanDelete)
        {
            await host.DeleteAsync(content, locator, token);
            await host.DeleteAsync(small, smallLocator, token);
        }

        Assert.Equal(content.Length, length);
        Assert.Equal(content.Hash, readBack);
        var figures = string.Create(CultureInfo.InvariantCulture,
            $"{host.Kind} ({GetType().Name}): {content.Length >> 20} MiB round trip {total.TotalSeconds:0.0} s (upload {uploaded.TotalSeconds:0.0} s, read {(total - uploaded).TotalSeconds:0.0} s), peak working set {peak >> 20} MiB (+{grown >> 20} MiB over the start), managed allocations {allocated >> 20} MiB");
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        if (Environment.GetEnvironmentVariable("POOL_TEST_FIGURES") is { Length: > 0 } figuresFile)
        {
            await File.AppendAllTextAsync(figuresFile, figures + Environment.NewLine, token);
        }

        Assert.True(grown < MemoryAllowance, $"The process grew by {grown >> 20} MiB while moving {content.Length >> 20} MiB: {figures}");
    }

    public void Dispose()
    {
        _scratch.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<(ContentRef Content, string Path)> WriteFileAsync(string name, long length, CancellationToken token)
    {
        var path = _scratch.Combine(name);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random((int)(length % int.MaxValue));
        var block = new byte[1 << 20];
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
        {
            for (long written = 0; written < length; written += block.Length)
            {
                random.NextBytes(block);
                var n = (int)Math.Min(block.Length, length - written);
                sha.AppendData(block, 0, n);
                await file.WriteAsync(block.AsMemory(0, n), token);
            }
        }

        return (new ContentRef(ContentHash.FromBytes(sha.GetHashAndReset()), length), path);
    }

    private static async Task<(ContentHash Hash, long Length)> HashAsync(Stream stream, CancellationToken token)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, token)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            total += read;
        }

        return (ContentHash.FromBytes(sha.GetHashAndReset()), total);
    }

    /// <summary>Samples the process's working set on its own thread until stopped; reports the peak growth.</summary>
    private sealed class MemoryWatch : IDisposable
    {
        private readonly long _baseline = CurrentWorkingSet();
        private readonly Thread _thread;
        private volatile bool _stopped;
        private long _peak;

        public MemoryWatch()
        {
            _peak = _baseline;
            _thread = new Thread(Sample) { IsBackground = true, Name = "memory watch" };
            _thread.Start();
        }

        public long Peak => Interlocked.Read(ref _peak);

        public long Stop()
        {
            _stopped = true;
            _thread.Join();
            return Math.Max(0, Interlocked.Read(ref _peak) - _baseline);
        }

        public void Dispose()
        {
            if (!_stopped)
            {
                Stop();
            }
        }

        private static long CurrentWorkingSet()
        {
            using var self = Process.GetCurrentProcess();
            return self.WorkingSet64;
        }

        private void Sample()
        {
            while (!_stopped)
            {
                var now = CurrentWorkingSet();
                if (now > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, now);
                }

                Thread.Sleep(20);
            }
        }
    }
}
