namespace CloudManager.Eviction;

/// <summary>Least recently used: the file whose last access is oldest leaves first.</summary>
public sealed class LruPolicy : IEvictionPolicy
{
    /// <inheritdoc />
    public string Name => "lru";

    /// <inheritdoc />
    public double Priority(CacheAccess access) => access.Tick;

    /// <inheritdoc />
    public double InflationAfterEviction(double currentInflation, double evictedPriority) => currentInflation;
}
