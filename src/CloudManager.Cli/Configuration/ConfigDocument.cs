using System.Text.Json.Serialization;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// What a config file says, one property per key (the key is its camelCase name); null where it
/// says nothing. Once read by <see cref="ConfigFileReader"/>, paths are absolute.
/// </summary>
internal sealed record ConfigDocument
{
    /// <summary>The catalog: a SQLite file path, <c>sqlite:PATH</c>, a connection string or a <c>postgres://</c> URI.</summary>
    public string? Catalog { get; init; }

    /// <summary>The cache folder.</summary>
    public string? Cache { get; init; }

    /// <summary>The cache's capacity in bytes (<c>CloudPoolOptions.CapacityBytes</c>).</summary>
    [JsonConverter(typeof(SizeConverter))]
    public long? Capacity { get; init; }

    /// <summary>The share of the capacity the cache may fill.</summary>
    public double? MaxFill { get; init; }

    /// <summary>Which cached files leave first, by name.</summary>
    public string? EvictionPolicy { get; init; }

    /// <summary>How many hosts receive each file.</summary>
    public int? Redundancy { get; init; }

    /// <summary>How many hosts must hold a file before it is safe.</summary>
    public int? MinCopies { get; init; }

    /// <summary>This node's id.</summary>
    public string? NodeId { get; init; }

    /// <summary>The storage hosts.</summary>
    public IReadOnlyList<HostEntry>? Hosts { get; init; }

    /// <summary>The <c>gateway</c> section, for <c>cm serve</c>.</summary>
    public GatewayConfig? Gateway { get; init; }
}

/// <summary>One host in the config file's <c>hosts</c> array.</summary>
internal sealed record HostEntry
{
    /// <summary>The host's unique name.</summary>
    public string? Name { get; init; }

    /// <summary>Its kind: <c>directory</c>, <c>s3</c>, ...</summary>
    public string? Kind { get; init; }

    /// <summary>Its settings as text, checked against the kind's declared options when the host is created.</summary>
    [JsonConverter(typeof(HostSettingsConverter))]
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>Whether and with which key the host's copies are encrypted: <c>{ "keyFile": PATH }</c> or <c>{ "keyEnv": VARIABLE }</c>.</summary>
    public EncryptionEntry? Encryption { get; init; }
}

/// <summary>A host's <c>encryption</c> object: where its key comes from, one of the two.</summary>
internal sealed record EncryptionEntry
{
    /// <summary>A key file (relative to the config file), readable by its owner only.</summary>
    public string? KeyFile { get; init; }

    /// <summary>An environment variable holding the key file's JSON.</summary>
    public string? KeyEnv { get; init; }
}
