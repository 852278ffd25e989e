namespace CloudManager.CachePolicy;

/// <summary>Seeded synthetic traces with file-like sizes, to check that a policy does not only suit the block trace.</summary>
public static class SyntheticTraces
{
    private const long KiB = 1024;
    private const long MiB = 1024 * KiB;
    private const long GiB = 1024 * MiB;

    /// <summary>
    /// Zipf popularity (exponent <paramref name="exponent"/>) over <paramref name="objects"/> files whose
    /// sizes are log-uniform from 1 KiB to 1 GiB, independent of popularity.
    /// </summary>
    public static RequestTrace Zipf(int seed, int objects = 20_000, int requests = 200_000, double exponent = 0.9)
    {
        var random = new Random(seed);
        var sizes = Enumerable.Range(0, objects).Select(_ => LogUniform(random, KiB, GiB)).ToArray();
        var cumulative = new double[objects];
        var total = 0.0;
        for (var rank = 0; rank < objects; rank++)
        {
            total += 1 / Math.Pow(rank + 1, exponent);
            cumulative[rank] = total;
        }

        var trace = new List<Request>(requests);
        for (var i = 0; i < requests; i++)
        {
            var index = Array.BinarySearch(cumulative, random.NextDouble() * total);
            var rank = index >= 0 ? index : Math.Min(~index, objects - 1);
            trace.Add(new Request((ulong)rank, sizes[rank]));
        }

        return new RequestTrace($"synthetic Zipf {exponent}, {objects:N0} files of 1 KiB-1 GiB, seed {seed}", trace);
    }

    /// <summary>
    /// A hot set of <paramref name="hotObjects"/> files asked for uniformly, interleaved half and half
    /// with a scan that reads <paramref name="scanObjects"/> other files once each, in two passes;
    /// sizes are log-uniform from 1 KiB to 64 MiB.
    /// </summary>
    public static RequestTrace ScanWithHotSet(int seed, int hotObjects = 2_000, int scanObjects = 50_000, int requests = 200_000)
    {
        var random = new Random(seed);
        var hotSizes = Enumerable.Range(0, hotObjects).Select(_ => LogUniform(random, KiB, 64 * MiB)).ToArray();
        var scanSizes = Enumerable.Range(0, scanObjects).Select(_ => LogUniform(random, KiB, 64 * MiB)).ToArray();
        var trace = new List<Request>(requests);
        var next = 0;
        for (var i = 0; i < requests; i++)
        {
            if (random.Next(2) == 0)
            {
                var hot = random.Next(hotObjects);
                trace.Add(new Request((ulong)hot, hotSizes[hot]));
            }
            else
            {
                var scanned = next++ % scanObjects;
                trace.Add(new Request((ulong)(hotObjects + scanned), scanSizes[scanned]));
            }
        }

        return new RequestTrace($"synthetic scan of {scanObjects:N0} files + hot set of {hotObjects:N0}, 1 KiB-64 MiB, seed {seed}", trace);
    }

    private static long LogUniform(Random random, long min, long max) =>
        (long)Math.Round(Math.Exp(Math.Log(min) + (random.NextDouble() * (Math.Log(max) - Math.Log(min)))));
}
