namespace CloudManager;

/// <summary>
/// A host holds something at its identity marker's name that is not a valid marker: damaged, written
/// by another program, or too large. Never treated as "no marker": a host whose identity cannot be
/// read must not be given a new one. Not transient; someone has to look at the host.
/// </summary>
public sealed class HostMarkerException : StorageHostException
{
    /// <summary>Creates the exception for the named host.</summary>
    public HostMarkerException(string hostName, string message, Exception? innerException = null)
        : base(hostName, message, isTransient: false, innerException)
    {
    }
}
