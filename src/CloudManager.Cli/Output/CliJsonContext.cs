using System.Text.Json.Serialization;
using CloudManager.Cli.Output.Results;
using CloudManager.Gateway.Api;

namespace CloudManager.Cli.Output;

/// <summary>
/// Compile-time JSON for every <c>--json</c> report, no reflection: snake_case names, indented, times as UTC
/// seconds; <see cref="JsonOutput"/> adds the relaxed escaping. Records of the same shape as the gateway's
/// answers are the gateway's own.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    Converters = [typeof(UtcSecondsConverter), typeof(UtcSecondsDateTimeConverter)])]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(SetupDbResult))]
[JsonSerializable(typeof(InitResult))]
[JsonSerializable(typeof(IReadOnlyList<FileLocation>))]
[JsonSerializable(typeof(FileLocation))]
[JsonSerializable(typeof(WarmUpResult))]
[JsonSerializable(typeof(EvictResult))]
[JsonSerializable(typeof(PinResult))]
[JsonSerializable(typeof(UnpinResult))]
[JsonSerializable(typeof(LoadResult))]
[JsonSerializable(typeof(IReadOnlyList<FileItem>))]
[JsonSerializable(typeof(SyncResult))]
[JsonSerializable(typeof(VerifyResult))]
[JsonSerializable(typeof(HostTestResult))]
[JsonSerializable(typeof(HostInitResult))]
[JsonSerializable(typeof(KeygenResult))]
[JsonSerializable(typeof(IReadOnlyList<HostResult>))]
[JsonSerializable(typeof(StatusResult))]
[JsonSerializable(typeof(RecoverResult))]
[JsonSerializable(typeof(HostScanResult))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
