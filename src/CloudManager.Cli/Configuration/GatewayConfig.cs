namespace CloudManager.Cli.Configuration;

/// <summary>What the config file's <c>gateway</c> section says (for <c>cm serve</c>); null where it says nothing.</summary>
internal sealed record GatewayConfig
{
    public IReadOnlyList<string>? Urls { get; init; }

    /// <summary>A file holding the token, already an absolute path; the token itself never sits in the config file.</summary>
    public string? TokenFile { get; init; }

    public long? MaxUploadSize { get; init; }

    public long? MaxSyncLoadSize { get; init; }

    public long? MonthlyIncomingLimit { get; init; }

    public long? MonthlyOutgoingLimit { get; init; }

    public TimeSpan? SyncDelay { get; init; }

    public TimeSpan? SyncInterval { get; init; }

    public TimeSpan? HostProbeInterval { get; init; }

    public int? MaxConnections { get; init; }

    public TimeSpan? ShutdownTimeout { get; init; }

    /// <summary>The most bytes of small, often downloaded cached files kept in memory (the pool's <c>MemoryCacheBytes</c>).</summary>
    public long? MemoryCache { get; init; }
}
