using CloudManager.Catalog;

namespace CloudManager.Replication;

/// <summary>
/// Orders hosts for a transfer: fewest failures since their last success first, then (for uploads)
/// the host holding fewest copies so that files spread evenly, then at random so ties share the load.
/// A failing host whose last failure is older than the cool-down ranks as healthy again: it gets
/// another chance, and goes back to the end of the line if it fails again.
/// </summary>
internal static class HostRanking
{
    internal static IEnumerable<string> Order(
        IEnumerable<string> hostNames,
        IReadOnlyDictionary<string, HostHealth> health,
        IReadOnlyDictionary<string, long>? counts,
        DateTimeOffset now,
        TimeSpan coolDown)
    {
        return hostNames
            .Select(name => (Name: name, Health: health.GetValueOrDefault(name), Tie: Random.Shared.Next()))
            .OrderBy(h => RecentFailures(h.Health, now, coolDown))
            .ThenBy(h => counts?.GetValueOrDefault(h.Name) ?? 0)
            .ThenBy(h => h.Tie)
            .Select(h => h.Name);
    }

    private static int RecentFailures(HostHealth? health, DateTimeOffset now, TimeSpan coolDown) =>
        health is { ConsecutiveFailures: > 0 } && (health.LastFailureAt is not { } last || now - last < coolDown) ? health.ConsecutiveFailures : 0;
}
