using System.Text.Json.Serialization;

namespace CloudManager.Cli.Output.Results;

// What the commands that set up a node return. `cm load` returns the gateway's LoadResult.

/// <summary>What <c>cm setup-db</c> returns: the catalog, for people, and its schema version.</summary>
internal sealed record SetupDbResult(string Catalog, int SchemaVersion);

/// <summary>What <c>cm init</c> returns: the config written, the catalog and cache it names; the rest is for the text only.</summary>
internal sealed record InitResult(
    string Config,
    string Catalog,
    int SchemaVersion,
    string Cache,
    [property: JsonIgnore] long Capacity,
    [property: JsonIgnore] int HostCount,
    [property: JsonIgnore] string HostsFolder);
