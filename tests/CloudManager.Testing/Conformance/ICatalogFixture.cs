using CloudManager.Catalog;

namespace CloudManager.Testing.Conformance;

/// <summary>What a catalog backend supplies to run the shared catalog suite.</summary>
public interface ICatalogFixture
{
    /// <summary>A new, empty, migrated catalog of its own (a fresh file, a fresh schema).</summary>
    Task<ICatalog> CreateCatalogAsync();
}
