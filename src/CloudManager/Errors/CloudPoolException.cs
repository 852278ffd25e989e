namespace CloudManager;

/// <summary>The root of every error the pool raises on purpose; catch it to handle all of them.</summary>
/// <remarks>
/// Caller mistakes (a null argument, a disposed pool) are reported with the standard
/// <see cref="ArgumentException"/> and <see cref="InvalidOperationException"/> instead.
/// </remarks>
public class CloudPoolException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public CloudPoolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public CloudPoolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether trying the same operation again later may succeed.</summary>
    public virtual bool IsTransient => false;
}
