using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CloudManager.Cli.Output;

/// <summary>Writes <c>--json</c> reports: indented UTF-8, snake_case field names, sizes in exact bytes, times in ISO 8601 (<see cref="CliJsonContext"/>).</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Names of files are shown as they are; the output is not embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes one report on stdout, serialised by the generated code of <paramref name="type"/> (from <see cref="CliJsonContext"/>).</summary>
    public static void Write<T>(CliConsole console, T report, JsonTypeInfo<T> type)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            JsonSerializer.Serialize(writer, report, type);
        }

        console.WriteData(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
