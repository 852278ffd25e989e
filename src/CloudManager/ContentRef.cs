namespace CloudManager;

/// <summary>A file's hash together with its length in bytes: all a host needs to name and check content.</summary>
/// <param name="Hash">The SHA-256 of the content.</param>
/// <param name="Length">The content's length in bytes.</param>
public readonly record struct ContentRef(ContentHash Hash, long Length);
