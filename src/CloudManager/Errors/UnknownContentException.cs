namespace CloudManager;

/// <summary>The catalog has no file with this hash.</summary>
public sealed class UnknownContentException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public UnknownContentException(ContentHash hash)
        : base($"No file with hash {hash} is known to this pool.")
    {
        Hash = hash;
    }

    /// <summary>The hash that was asked for.</summary>
    public ContentHash Hash { get; }
}
