using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudManager.Cli.Configuration;

/// <summary>What the config file's <c>gateway</c> section says (for <c>cm serve</c>); null where it says nothing.</summary>
internal sealed record GatewayConfig
{
    /// <summary>The addresses to listen on.</summary>
    [JsonConverter(typeof(UrlsConverter))]
    public IReadOnlyList<string>? Urls { get; init; }

    /// <summary>Never allowed: the token is a secret. Present only so that its message says where the token goes.</summary>
    [JsonConverter(typeof(RefusedSecretConverter))]
    public JsonElement? Token { get; init; }

    /// <summary>A file holding the token, absolute once read; the token itself never sits in the config file.</summary>
    public string? TokenFile { get; init; }

    /// <summary>The largest file an upload may carry.</summary>
    [JsonConverter(typeof(SizeConverter))]
    public long? MaxUploadSize { get; init; }

    /// <summary>The largest sync data a load accepts.</summary>
    [JsonConverter(typeof(SizeConverter))]
    public long? MaxSyncLoadSize { get; init; }

    /// <summary>Bytes the node may receive per calendar month.</summary>
    [JsonConverter(typeof(SizeConverter))]
    public long? MonthlyIncomingLimit { get; init; }

    /// <summary>Bytes the node may send per calendar month.</summary>
    [JsonConverter(typeof(SizeConverter))]
    public long? MonthlyOutgoingLimit { get; init; }

    /// <summary>How long after an upload the background sync starts.</summary>
    [JsonConverter(typeof(DurationConverter))]
    public TimeSpan? SyncDelay { get; init; }

    /// <summary>How often the background sync runs.</summary>
    [JsonConverter(typeof(DurationConverter))]
    public TimeSpan? SyncInterval { get; init; }

    /// <summary>How often every host is probed.</summary>
    [JsonConverter(typeof(DurationConverter))]
    public TimeSpan? HostProbeInterval { get; init; }

    /// <summary>How many connections may be open at once.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>How long a stop waits for requests in flight.</summary>
    [JsonConverter(typeof(DurationConverter))]
    public TimeSpan? ShutdownTimeout { get; init; }

    /// <summary>The most bytes of small, often downloaded cached files kept in memory (the pool's <c>MemoryCacheBytes</c>).</summary>
    [JsonConverter(typeof(SizeOrZeroConverter))]
    public long? MemoryCache { get; init; }
}
