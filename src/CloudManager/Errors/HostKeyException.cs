namespace CloudManager;

/// <summary>
/// An encrypted host cannot be used with the key configured for it: the key ring lacks the key the
/// host was set up with, the key is another one (its key check value differs), or the host was set up
/// without encryption. Found when the host's identity marker is read, before anything is written. Not
/// transient: the configuration has to change.
/// </summary>
public sealed class HostKeyException : StorageHostException
{
    /// <summary>Creates the exception for the named host.</summary>
    public HostKeyException(string hostName, string message)
        : base(hostName, message, isTransient: false)
    {
    }
}
