using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudManager.Cli.Output;

/// <summary>Times in <c>--json</c> reports: UTC to the second, <c>2026-03-01T12:00:00Z</c>.</summary>
internal sealed class UtcSecondsConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy-MM-ddTHH:mm:ssZ";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.ParseExact(reader.GetString() ?? "", Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString(Format, CultureInfo.InvariantCulture));
}

/// <summary><see cref="UtcSecondsConverter"/> for the <see cref="DateTime"/> of records shared with the gateway.</summary>
internal sealed class UtcSecondsDateTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTime.ParseExact(reader.GetString() ?? "", UtcSecondsConverter.Format, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString(UtcSecondsConverter.Format, CultureInfo.InvariantCulture));
}
