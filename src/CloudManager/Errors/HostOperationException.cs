namespace CloudManager;

/// <summary>A host answered but refused the operation (permissions, quota, a rejected request).</summary>
public sealed class HostOperationException : StorageHostException
{
    /// <summary>Creates the exception for the named host.</summary>
    public HostOperationException(string hostName, string message, bool isTransient = false, Exception? innerException = null)
        : base(hostName, message, isTransient, innerException)
    {
    }
}
