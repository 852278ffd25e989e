namespace CloudManager;

/// <summary>Bytes served by a host do not match the expected length or SHA-256.</summary>
public sealed class ContentIntegrityException : StorageHostException
{
    /// <summary>Creates the exception for the named host.</summary>
    public ContentIntegrityException(string hostName, ContentRef expected, long actualLength, ContentHash? actualHash)
        : base(hostName, Describe(hostName, expected, actualLength, actualHash), isTransient: false)
    {
        Expected = expected;
        ActualLength = actualLength;
        ActualHash = actualHash;
    }

    /// <summary>Creates the exception for bytes that failed a check other than the hash: an encrypted copy that fails authentication.</summary>
    /// <param name="hostName">The host that served the bytes.</param>
    /// <param name="expected">The content they should have been.</param>
    /// <param name="problem">What is wrong, as a clause: "segment 3 of 9 fails authentication".</param>
    /// <param name="innerException">The error that found it, if any.</param>
    public ContentIntegrityException(string hostName, ContentRef expected, string problem, Exception? innerException = null)
        : base(hostName, $"Host '{hostName}' served a damaged copy of {expected.Hash} ({expected.Length} bytes): {problem}.", isTransient: false, innerException)
    {
        Expected = expected;
        ActualLength = -1;
    }

    /// <summary>What the catalog says the content is.</summary>
    public ContentRef Expected { get; }

    /// <summary>How many bytes the host served; -1 when the copy failed another check (authentication).</summary>
    public long ActualLength { get; }

    /// <summary>The hash of what the host served, when it was read to the end.</summary>
    public ContentHash? ActualHash { get; }

    private static string Describe(string hostName, ContentRef expected, long actualLength, ContentHash? actualHash) =>
        actualHash is { } hash
            ? $"Host '{hostName}' served {actualLength} bytes hashing to {hash} for {expected.Hash} ({expected.Length} bytes); the copy is damaged."
            : $"Host '{hostName}' served more than the {expected.Length} bytes of {expected.Hash}; the copy is damaged.";
}
