using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CloudManager.Cli.Output;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// The config file's JSON, read by the source-generated serializer: camelCase keys from the
/// property names of <see cref="ConfigDocument"/>, <see cref="HostEntry"/> and
/// <see cref="GatewayConfig"/>; comments and trailing commas allowed; an unknown key is an error.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ConfigDocument))]
internal sealed partial class ConfigJson : JsonSerializerContext
{
    /// <summary>The key a property of the config file is written as.</summary>
    public static string KeyOf(string propertyName) => JsonNamingPolicy.CamelCase.ConvertName(propertyName);
}

/// <summary>A value the config file holds in the right JSON type, but whose text is wrong.</summary>
internal sealed class ConfigValueException : JsonException
{
    private ConfigValueException(string message, bool isExpectation, string? innerKey)
        : base(message)
    {
        IsExpectation = isExpectation;
        InnerKey = innerKey;
    }

    /// <summary>Whether the message says what the value must be (<c>a size such as ...</c>) rather than what is wrong with it.</summary>
    public bool IsExpectation { get; }

    /// <summary>The key inside the value that is wrong, when the converter reads an object; null for the value itself.</summary>
    public string? InnerKey { get; }

    /// <summary>The value (or its member <paramref name="innerKey"/>) must be <paramref name="expected"/>.</summary>
    public static ConfigValueException MustBe(string expected, string? innerKey = null) => new(expected, isExpectation: true, innerKey);

    /// <summary>What is wrong with the value, in a sentence.</summary>
    public static ConfigValueException Problem(string problem) => new(problem, isExpectation: false, innerKey: null);
}

/// <summary>A size: <c>"20GiB"</c>, <c>"512 MB"</c> or a number of bytes.</summary>
internal class SizeConverter : JsonConverter<long?>
{
    public const string Expected = "a size such as \"20GiB\" or a number of bytes";

    /// <summary>Whether 0 is accepted, for a setting that 0 turns off.</summary>
    protected virtual bool ZeroAllowed => false;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = ConverterText.Of(ref reader) ?? throw ConfigValueException.MustBe(Expected);
        if (ZeroAllowed && text.Trim() == "0")
        {
            return 0;
        }

        return ByteSize.TryParse(text, out var bytes, out var problem) ? bytes : throw ConfigValueException.Problem(problem ?? $"'{text}' is not a size.");
    }

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("The config file is only read.");
}

/// <summary>A size, or 0 for a setting that 0 turns off.</summary>
internal sealed class SizeOrZeroConverter : SizeConverter
{
    protected override bool ZeroAllowed => true;
}

/// <summary>A duration: <c>"30s"</c>, <c>"5m"</c>, <c>"1h"</c> or a number of seconds.</summary>
internal sealed class DurationConverter : JsonConverter<TimeSpan?>
{
    private const string Expected = "a duration such as \"30s\", \"5m\", \"1h\" or a number of seconds";

    public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        GatewaySettings.TryParseDuration(ConverterText.Of(ref reader), out var duration) ? duration : throw ConfigValueException.MustBe(Expected);

    public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("The config file is only read.");
}

/// <summary>Addresses: one string (separated by <c>;</c> or <c>,</c>) or an array of strings.</summary>
internal sealed class UrlsConverter : JsonConverter<IReadOnlyList<string>?>
{
    private const string Expected = "a string or an array of strings";

    public override IReadOnlyList<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return GatewaySettings.SplitUrls(reader.GetString()!);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw ConfigValueException.MustBe(Expected);
        }

        var urls = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            urls.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw ConfigValueException.MustBe(Expected));
        }

        return urls;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string>? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("The config file is only read.");
}

/// <summary>A host's settings: an object whose values are strings, numbers or booleans, kept as their text.</summary>
internal sealed class HostSettingsConverter : JsonConverter<IReadOnlyDictionary<string, string>?>
{
    private const string Expected = "a string, number or boolean";

    public override IReadOnlyDictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw ConfigValueException.MustBe("an object");
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            settings[key] = reader.TokenType switch
            {
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => ConverterText.Of(ref reader) ?? throw ConfigValueException.MustBe(Expected, key),
            };
        }

        return settings;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string>? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("The config file is only read.");
}

/// <summary>A key that must never be in the config file because its value is a secret.</summary>
internal sealed class RefusedSecretConverter : JsonConverter<JsonElement?>
{
    public override bool HandleNull => true;

    public override JsonElement? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw ConfigValueException.Problem(
            $"the gateway token is a secret and must not be in the config file: set {EnvironmentNames.GatewayToken}, or name a file holding it with \"tokenFile\".");

    public override void Write(Utf8JsonWriter writer, JsonElement? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("The config file is only read.");
}

/// <summary>The text of a string or number token, for the converters that accept both.</summary>
internal static class ConverterText
{
    public static string? Of(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
        _ => null,
    };
}
