using CloudManager.Hosts;

namespace CloudManager.Testing.Conformance;

/// <summary>What a host kind supplies to run the shared conformance suite.</summary>
public interface IStorageHostFixture
{
    /// <summary>A new, empty host.</summary>
    Task<IStorageHost> CreateHostAsync();

    /// <summary>A host that cannot be reached (missing folder, closed port, bogus remote).</summary>
    Task<IStorageHost> CreateUnavailableHostAsync();

    /// <summary>A second host over the same place as <paramref name="host"/> (one this fixture made), as another node or process configures it.</summary>
    Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host);

    /// <summary>
    /// Stores raw bytes at the identity marker's name in the place of <paramref name="host"/> (one this
    /// fixture made), past the host: damage, or another program's file. Only called for kinds that
    /// store a marker (<see cref="HostCapabilities.StoresMarker"/>).
    /// </summary>
    Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes);
}
