using System.Buffers.Binary;

namespace CloudManager.CachePolicy;

/// <summary>One request of a trace: an object and its size in bytes.</summary>
/// <param name="Id">The object.</param>
/// <param name="Size">Its size; the same for every request of one object.</param>
public readonly record struct Request(ulong Id, long Size);

/// <summary>A named sequence of requests.</summary>
/// <param name="Name">What the table calls it.</param>
/// <param name="Requests">The requests, in order.</param>
public sealed record RequestTrace(string Name, IReadOnlyList<Request> Requests)
{
    /// <summary>The sum of each distinct object's size: the working set the cache sizes are shares of.</summary>
    public long UniqueBytes { get; } = Requests.DistinctBy(r => r.Id).Sum(r => r.Size);

    /// <summary>The first <paramref name="count"/> requests.</summary>
    public RequestTrace Prefix(int count) => count >= Requests.Count ? this : new RequestTrace($"{Name}, first {count:N0}", Requests.Take(count).ToList());

    /// <summary>Reads a libCacheSim <c>oracleGeneral</c> file: 24-byte little-endian records &lt;uint32 time, uint64 id, uint32 size, int64 next&gt;.</summary>
    public static RequestTrace ReadOracleGeneral(string path)
    {
        var bytes = File.ReadAllBytes(path);
        const int RecordSize = 24;
        if (bytes.Length % RecordSize != 0)
        {
            throw new InvalidDataException($"{path} is {bytes.Length} bytes, not a whole number of {RecordSize}-byte records.");
        }

        var requests = new List<Request>(bytes.Length / RecordSize);
        for (var offset = 0; offset < bytes.Length; offset += RecordSize)
        {
            var record = bytes.AsSpan(offset, RecordSize);
            requests.Add(new Request(BinaryPrimitives.ReadUInt64LittleEndian(record[4..]), BinaryPrimitives.ReadUInt32LittleEndian(record[12..])));
        }

        return new RequestTrace(Path.GetFileName(path), requests);
    }
}
