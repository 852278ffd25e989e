namespace CloudManager;

/// <summary>
/// The bytes a host was being sent do not hash to the content's SHA-256, or have another length: the
/// source (for a sync, the cached copy) is damaged. The read that would have delivered the last bytes
/// fails with this error instead, so no host stores them; it is the source's fault, never the host's.
/// </summary>
public sealed class ContentMismatchException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="expected">What the catalog says the content is.</param>
    /// <param name="source">What was read, in words: "the cached copy of …", "the file '…'".</param>
    /// <param name="actualLength">The bytes the source held, as far as it was read (at most one past the expected length).</param>
    /// <param name="actualHash">The SHA-256 of the source's bytes when it had the right length.</param>
    public ContentMismatchException(ContentRef expected, string source, long actualLength, ContentHash? actualHash)
        : base(Describe(expected, source, actualLength, actualHash))
    {
        Expected = expected;
        Source = source;
        ActualLength = actualLength;
        ActualHash = actualHash;
    }

    /// <summary>What the catalog says the content is.</summary>
    public ContentRef Expected { get; }

    /// <summary>What was read, in words.</summary>
    public new string Source { get; }

    /// <summary>The bytes the source held, as far as it was read.</summary>
    public long ActualLength { get; }

    /// <summary>The SHA-256 of the source's bytes, when it had the expected length.</summary>
    public ContentHash? ActualHash { get; }

    /// <summary>The same error again, to throw from another place (an exception object is thrown once).</summary>
    internal ContentMismatchException Renew() => new(Expected, Source, ActualLength, ActualHash);

    private static string Describe(ContentRef expected, string source, long actualLength, ContentHash? actualHash) =>
        actualHash is { } hash
            ? $"{Capitalize(source)} is damaged: its {actualLength} bytes hash to {hash}, not {expected.Hash}; nothing was sent."
            : actualLength < expected.Length
                ? $"{Capitalize(source)} is damaged: it ends after {actualLength} of {expected.Length} bytes; nothing was sent."
                : $"{Capitalize(source)} is damaged: it holds more than the {expected.Length} bytes of {expected.Hash}; nothing was sent.";

    private static string Capitalize(string text) => text.Length > 0 ? char.ToUpperInvariant(text[0]) + text[1..] : text;
}
