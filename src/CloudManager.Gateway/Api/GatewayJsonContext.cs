using System.Text.Json.Serialization;

namespace CloudManager.Gateway.Api;

/// <summary>Compile-time JSON for every body the API writes: snake_case names, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(UploadResult))]
[JsonSerializable(typeof(SeedError))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(FilePage))]
[JsonSerializable(typeof(LoadResult))]
[JsonSerializable(typeof(SyncRunResult))]
[JsonSerializable(typeof(EvictResult))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
