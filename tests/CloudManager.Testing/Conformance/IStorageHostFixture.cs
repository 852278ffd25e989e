using CloudManager.Hosts;

namespace CloudManager.Testing.Conformance;

/// <summary>What a host kind supplies to run the shared conformance suite.</summary>
public interface IStorageHostFixture
{
    /// <summary>A new, empty host.</summary>
    Task<IStorageHost> CreateHostAsync();

    /// <summary>A host that cannot be reached (missing folder, closed port, bogus remote).</summary>
    Task<IStorageHost> CreateUnavailableHostAsync();
}
