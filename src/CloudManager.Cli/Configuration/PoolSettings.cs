using CloudManager.Cli.Hosts;

namespace CloudManager.Cli.Configuration;

/// <summary>Everything needed to open the pool, after defaults, config file, environment and command line were merged.</summary>
internal sealed record PoolSettings
{
    /// <summary>The catalog. Not created on demand unless <see cref="IsEmbeddedDefault"/>.</summary>
    public required CatalogLocation Catalog { get; init; }

    public required string StoragePath { get; init; }

    public required long Capacity { get; init; }

    public required double MaxFill { get; init; }

    public required string EvictionPolicy { get; init; }

    public required int Redundancy { get; init; }

    public required int MinCopies { get; init; }

    public string? NodeId { get; init; }

    /// <summary>How far this node's clock is shifted by <c>CM_CLOCK_OFFSET</c> (a test knob); null when it is not set.</summary>
    public TimeSpan? ClockOffset { get; init; }

    public required IReadOnlyList<HostDefinition> Hosts { get; init; }

    /// <summary>The config file's <c>gateway</c> section, for <c>cm serve</c>; null when there is none.</summary>
    public GatewayConfig? Gateway { get; init; }

    /// <summary>The config file read, or null when none was found and the embedded default is in use.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The user's data folder: where the embedded default keeps everything.</summary>
    public required string DataFolder { get; init; }

    /// <summary>Whether no config file was found: the catalog, cache and hosts are created on first use.</summary>
    public bool IsEmbeddedDefault => ConfigPath is null;

    /// <summary>Whether the catalog was named explicitly (then a missing catalog is an error, not created).</summary>
    public bool IsCatalogExplicit { get; init; }
}
