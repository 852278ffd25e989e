namespace CloudManager;

/// <summary>The catalog database failed or is not usable; the provider's error is the inner exception.</summary>
public class CatalogException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public CatalogException(string message, Exception? innerException = null, bool isTransient = false)
        : base(message, innerException)
    {
        _isTransient = isTransient;
    }

    private readonly bool _isTransient;

    /// <inheritdoc />
    public override bool IsTransient => _isTransient;
}
