using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudManager.Exchange;

/// <summary>Lets <see cref="JsonSerializer"/> read and write <see cref="FilePayload"/> in the seed's format.</summary>
public sealed class FilePayloadJsonConverter : JsonConverter<FilePayload>
{
    /// <inheritdoc />
    public override FilePayload Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return PayloadJson.ReadRecord(ref reader);
        }
        catch (InvalidPayloadException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, FilePayload value, JsonSerializerOptions options) =>
        PayloadJson.Write(writer, value);
}
