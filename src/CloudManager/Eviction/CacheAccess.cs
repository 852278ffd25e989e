namespace CloudManager.Eviction;

/// <summary>What a policy knows of a cached file when it was inserted or hit.</summary>
/// <param name="Size">The file's size in bytes.</param>
/// <param name="AccessCount">
/// Accesses counted so far, this one included: 1 on a first insert; more when the node remembered the
/// file from before its last eviction (<see cref="IEvictionPolicy.EvictionMemory"/>).
/// </param>
/// <param name="Tick">The node's logical clock at the file's last access: it grows by one per access, across restarts.</param>
/// <param name="Inflation">The policy's aging value at this moment (see <see cref="IEvictionPolicy.InflationAfterEviction"/>).</param>
/// <param name="PreviousTick">
/// The node's clock when it last dealt with the file before this access: its previous access on a hit,
/// its eviction when it comes back from the eviction memory; null when the node does not know (a first
/// insert, or priorities recomputed after a change of policy).
/// </param>
public readonly record struct CacheAccess(long Size, long AccessCount, long Tick, double Inflation, long? PreviousTick = null);
