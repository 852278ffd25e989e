using System.Runtime.CompilerServices;
using CloudManager.Hosts;

namespace CloudManager.Testing;

/// <summary>Remembers the place (folder, collection, prefix) each host a fixture made was given, for a second host on that place or raw writes to it.</summary>
public sealed class HostPlaces
{
    private readonly ConditionalWeakTable<IStorageHost, string> _places = [];

    /// <summary>Records the host's place and returns the host.</summary>
    public IStorageHost Remember(IStorageHost host, string place)
    {
        _places.AddOrUpdate(host, place);
        return host;
    }

    /// <summary>The place a host this fixture made was given.</summary>
    public string Of(IStorageHost host) =>
        _places.TryGetValue(host, out var place) ? place : throw new InvalidOperationException($"Host '{host.Name}' was not made by this fixture.");
}
