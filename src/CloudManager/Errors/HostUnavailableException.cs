namespace CloudManager;

/// <summary>
/// A host could not be reached or did not answer in time: nothing is known about the content.
/// Always transient; never means "not there".
/// </summary>
public sealed class HostUnavailableException : StorageHostException
{
    /// <summary>Creates the exception for the named host.</summary>
    public HostUnavailableException(string hostName, string message, Exception? innerException = null)
        : base(hostName, message, isTransient: true, innerException)
    {
    }
}
