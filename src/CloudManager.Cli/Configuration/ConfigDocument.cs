using CloudManager.Cli.Hosts;

namespace CloudManager.Cli.Configuration;

/// <summary>What a config file says; null where it says nothing. Paths are already absolute.</summary>
internal sealed record ConfigDocument
{
    public required string Path { get; init; }

    public string? Catalog { get; init; }

    public string? Cache { get; init; }

    public long? Capacity { get; init; }

    public double? MaxFill { get; init; }

    public string? EvictionPolicy { get; init; }

    public int? Redundancy { get; init; }

    public int? MinCopies { get; init; }

    public string? NodeId { get; init; }

    public IReadOnlyList<HostDefinition>? Hosts { get; init; }

    public GatewayConfig? Gateway { get; init; }
}
