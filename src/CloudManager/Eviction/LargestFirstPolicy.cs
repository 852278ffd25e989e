namespace CloudManager.Eviction;

/// <summary>
/// The 2014 rule, kept for comparison: the largest file leaves first, whatever its use
/// (ties: least recently used).
/// </summary>
public sealed class LargestFirstPolicy : IEvictionPolicy
{
    /// <inheritdoc />
    public string Name => "size";

    /// <inheritdoc />
    public double Priority(CacheAccess access) => -access.Size;

    /// <inheritdoc />
    public double InflationAfterEviction(double currentInflation, double evictedPriority) => currentInflation;
}
