using System.Text;

namespace CloudManager.Cli.Commands;

/// <summary>
/// Reads sync data for <c>cm load</c>: strict UTF-8 (a damaged byte is an error, not a silent
/// replacement character in a file name) and never more than the pool reads at once, so that a huge
/// or endless input fails early instead of filling memory.
/// </summary>
internal static class SyncDataReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the whole input as text.</summary>
    /// <param name="input">The bytes.</param>
    /// <param name="description">How to name the input in an error.</param>
    /// <param name="maxLength">The most characters accepted.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidPayloadException">The input is not UTF-8 or is longer than <paramref name="maxLength"/>.</exception>
    public static async Task<string> ReadAsync(Stream input, string description, int maxLength, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(input, StrictUtf8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        var text = new StringBuilder();
        var buffer = new char[1 << 16];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (text.Length + read > maxLength)
                {
                    throw new InvalidPayloadException(-1, null,
                        $"{description} holds more than {maxLength} characters, the most this pool reads at once. Split it into smaller dumps (cm dump --limit).");
                }

                text.Append(buffer, 0, read);
            }
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidPayloadException(-1, null, $"{description} is not valid UTF-8 text: it holds a damaged byte, or it was saved in another encoding.", e);
        }

        // A byte-order mark is not part of the JSON text.
        return text.Length > 0 && text[0] == '\uFEFF' ? text.ToString(1, text.Length - 1) : text.ToString();
    }
}
