using System.Buffers;
using System.Text;
using System.Text.Json;

namespace CloudManager.Exchange;

/// <summary>What <see cref="BoundedPayloadArray.TryAdd"/> did with a record.</summary>
internal enum PayloadAddResult
{
    /// <summary>The record is in the array.</summary>
    Added,

    /// <summary>The record does not fit in what is left of the limit; the array is complete.</summary>
    Full,

    /// <summary>The record alone is longer than the limit: no array of this limit can hold it.</summary>
    TooLarge,
}

/// <summary>
/// Builds the JSON array of a dump whose UTF-8 text must stay within a byte limit, serializing
/// each record once: the record is written to a scratch buffer, measured, and copied into the
/// array only if it fits.
/// </summary>
internal sealed class BoundedPayloadArray : IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    private readonly int _limitBytes;
    private readonly ArrayBufferWriter<byte> _array = new();
    private readonly ArrayBufferWriter<byte> _record = new();
    private readonly Utf8JsonWriter _writer;

    /// <summary>Starts an empty array that may grow to <paramref name="limitBytes"/> UTF-8 bytes.</summary>
    public BoundedPayloadArray(int limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limitBytes, 2);
        _limitBytes = limitBytes;
        _writer = new Utf8JsonWriter(_record, WriterOptions);
        _array.Write("["u8);
    }

    /// <summary>How many records the array holds.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a record if the array, closed, still fits in the limit.</summary>
    public PayloadAddResult TryAdd(FilePayload payload)
    {
        _record.ResetWrittenCount();
        _writer.Reset(_record);
        PayloadJson.Write(_writer, payload);
        _writer.Flush();
        var separator = Count > 0 ? 1 : 0;
        // The text so far, the comma, the record and the closing bracket.
        if ((long)_array.WrittenCount + separator + _record.WrittenCount + 1 > _limitBytes)
        {
            return 2 + _record.WrittenCount > _limitBytes ? PayloadAddResult.TooLarge : PayloadAddResult.Full;
        }

        if (separator == 1)
        {
            _array.Write(","u8);
        }

        _array.Write(_record.WrittenSpan);
        Count++;
        return PayloadAddResult.Added;
    }

    /// <summary>The array as JSON text.</summary>
    public string ToJson() => Encoding.UTF8.GetString(_array.WrittenSpan) + "]";

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();
}
