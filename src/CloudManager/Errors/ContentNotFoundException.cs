namespace CloudManager;

/// <summary>A host positively said that it does not hold the content. Not transient.</summary>
public sealed class ContentNotFoundException : StorageHostException
{
    /// <summary>Creates the exception for the named host and content.</summary>
    public ContentNotFoundException(string hostName, ContentHash hash, Exception? innerException = null)
        : base(hostName, $"Host '{hostName}' does not hold {hash}.", isTransient: false, innerException)
    {
        Hash = hash;
    }

    /// <summary>The content that is absent.</summary>
    public ContentHash Hash { get; }
}
