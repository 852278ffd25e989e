namespace CloudManager.Eviction;

/// <summary>The eviction policies selectable by name.</summary>
public static class EvictionPolicies
{
    /// <summary>Least recently used.</summary>
    public static IEvictionPolicy Lru { get; } = new LruPolicy();

    /// <summary>The 2014 rule: largest first.</summary>
    public static IEvictionPolicy LargestFirst { get; } = new LargestFirstPolicy();

    /// <summary>Greedy-Dual-Size-Frequency.</summary>
    public static IEvictionPolicy GreedyDualSizeFrequency { get; } = new GreedyDualSizeFrequencyPolicy();

    /// <summary>Least frequently used, remembering evicted files, counts fading (the default).</summary>
    public static IEvictionPolicy Frequency { get; } = new FrequencyPolicy();

    /// <summary>The policy a pool uses when none is chosen.</summary>
    public static IEvictionPolicy Default => Frequency;

    /// <summary>Every policy, by name.</summary>
    public static IReadOnlyList<IEvictionPolicy> All { get; } = [Frequency, GreedyDualSizeFrequency, Lru, LargestFirst];

    /// <summary>Finds a policy by name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No policy has that name; the message lists the names.</exception>
    public static IEvictionPolicy FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown eviction policy '{name}'; choose one of: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
    }
}
