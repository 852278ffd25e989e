using System.Text.Unicode;

namespace CloudManager.Cli.Commands;

/// <summary>
/// Reads sync data for <c>cm load</c> as UTF-8 bytes: strict (a damaged byte is an error, not a
/// silent replacement character in a file name) and never more than the pool reads at once, so
/// that a huge or endless input fails early instead of filling memory.
/// </summary>
internal static class SyncDataReader
{
    /// <summary>Reads the whole input.</summary>
    /// <param name="input">The bytes.</param>
    /// <param name="description">How to name the input in an error.</param>
    /// <param name="maxLength">The most bytes accepted.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidPayloadException">The input is not UTF-8 or is longer than <paramref name="maxLength"/>.</exception>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(Stream input, string description, int maxLength, CancellationToken cancellationToken)
    {
        // A file says its length: one buffer of the right size. A pipe grows one up to the limit.
        var buffer = new byte[Math.Max(1, input.CanSeek ? Math.Min(input.Length - input.Position, maxLength + 1L) : 1 << 16)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxLength)
                {
                    throw new InvalidPayloadException(-1, null,
                        $"{description} holds more than {maxLength} bytes, the most this pool reads at once. Split it into smaller dumps (cm dump --limit).");
                }

                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, maxLength + 1L));
            }

            var read = await input.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        var data = buffer.AsMemory(0, length);
        if (!Utf8.IsValid(data.Span))
        {
            throw new InvalidPayloadException(-1, null, $"{description} is not valid UTF-8 text: it holds a damaged byte, or it was saved in another encoding.");
        }

        return data;
    }
}
