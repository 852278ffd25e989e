namespace CloudManager;

/// <summary>The catalog was written by a newer version of this software, whose schema this version does not know.</summary>
public sealed class CatalogVersionException : CatalogException
{
    /// <summary>Creates the exception.</summary>
    public CatalogVersionException(int foundVersion, int supportedVersion)
        : base($"The catalog has schema version {foundVersion}, newer than the {supportedVersion} this version of cloud-manager understands: upgrade cloud-manager; do not write to this catalog with this version.")
    {
        FoundVersion = foundVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>The schema version stored in the catalog.</summary>
    public int FoundVersion { get; }

    /// <summary>The newest schema version this code knows.</summary>
    public int SupportedVersion { get; }
}
