namespace CloudManager;

/// <summary>
/// The disk under the catalog is full: the database could not grow, so the change was rolled back
/// and nothing was recorded. The database's error is the inner exception.
/// </summary>
public sealed class CatalogStorageException : CatalogException
{
    /// <summary>Creates the exception.</summary>
    public CatalogStorageException(string catalog, Exception innerException)
        : base($"The catalog {catalog} cannot grow: the disk under it is full ({innerException?.Message}). Nothing was recorded. Free space on that disk, then try again.", innerException, isTransient: true)
    {
    }
}
