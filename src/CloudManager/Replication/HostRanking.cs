using CloudManager.Catalog;

namespace CloudManager.Replication;

/// <summary>
/// Orders hosts for a transfer: fewest failures since their last success first, then (for uploads)
/// the host holding fewest copies so that files spread evenly, then at random so ties share the load.
/// </summary>
internal static class HostRanking
{
    internal static IEnumerable<string> Order(
        IEnumerable<string> hostNames, IReadOnlyDictionary<string, HostHealth> health, IReadOnlyDictionary<string, long>? counts)
    {
        return hostNames
            .Select(name => (Name: name, Health: health.GetValueOrDefault(name), Tie: Random.Shared.Next()))
            .OrderBy(h => h.Health?.ConsecutiveFailures ?? 0)
            .ThenBy(h => counts?.GetValueOrDefault(h.Name) ?? 0)
            .ThenBy(h => h.Tie)
            .Select(h => h.Name);
    }
}
