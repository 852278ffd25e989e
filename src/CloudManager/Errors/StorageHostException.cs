namespace CloudManager;

/// <summary>A storage host failed an operation.</summary>
public class StorageHostException : CloudPoolException
{
    /// <summary>Creates the exception for the named host.</summary>
    public StorageHostException(string hostName, string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        HostName = hostName;
        _isTransient = isTransient;
    }

    private readonly bool _isTransient;

    /// <summary>The name of the host that failed.</summary>
    public string HostName { get; }

    /// <inheritdoc />
    public override bool IsTransient => _isTransient;
}
