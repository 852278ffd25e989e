using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using CloudManager.Cli.Hosts;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// Reads the JSON config file strictly into a <see cref="ConfigDocument"/>: comments and trailing
/// commas are allowed, unknown keys and values of the wrong type are errors that name the key (with
/// its path, such as <c>hosts[1].settings.path</c>) and say what it must be. Relative paths are
/// relative to the file; <c>~</c> is the home folder.
/// </summary>
internal static partial class ConfigFileReader
{
    public static ConfigDocument Read(string path, UserFolders folders)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"Cannot read the config file {path}: {e.Message}");
        }

        return Parse(text, path, folders);
    }

    public static ConfigDocument Parse(string text, string path, UserFolders folders)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"The config file {path} is not valid JSON: {e.Message}");
        }

        ConfigDocument? document;
        using (json)
        {
            CheckText(json.RootElement, path, "");
            try
            {
                document = json.RootElement.Deserialize(ConfigJson.Default.ConfigDocument);
            }
            catch (JsonException e)
            {
                throw CliException.Usage(Describe(e, path));
            }
        }

        if (document is null)
        {
            throw CliException.Usage($"The config file {path} must hold a JSON object {{ ... }}.");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string Absolute(string file) => Path.GetFullPath(folders.ExpandHome(file), folder);
        return document with
        {
            Cache = document.Cache is { } cache ? Absolute(cache) : null,
            Hosts = document.Hosts?.Select((host, index) => ReadHost(host, index, path, Absolute)).ToList(),
            Gateway = document.Gateway is { TokenFile: { } tokenFile } gateway ? gateway with { TokenFile = Absolute(tokenFile) } : document.Gateway,
        };
    }

    /// <summary>The definitions of the file's hosts, named by it as their source.</summary>
    public static List<HostDefinition> Definitions(ConfigDocument document, string source) =>
        (document.Hosts ?? []).Select(h => new HostDefinition(
            h.Name!, h.Kind!, h.Settings ?? new Dictionary<string, string>(), source,
            h.Encryption is { } e ? new HostEncryption(e.KeyFile, e.KeyEnv) : null)).ToList();

    private static HostEntry ReadHost(HostEntry? host, int index, string path, Func<string, string> absolute)
    {
        var where = $"{ConfigJson.KeyOf(nameof(ConfigDocument.Hosts))}[{index}]";
        if (host is null)
        {
            throw CliException.Usage($"The config file {path}: {where} must be an object with name, kind and settings.");
        }

        var name = host.Name ?? throw CliException.Usage($"The config file {path}: {where} needs a \"name\".");
        _ = host.Kind ?? throw CliException.Usage($"The config file {path}: host '{name}' needs a \"kind\" (for example \"directory\").");
        var settings = new Dictionary<string, string>(host.Settings ?? new Dictionary<string, string>(), StringComparer.Ordinal);

        // A folder path in the file is relative to the file, like the catalog and the cache.
        if (settings.TryGetValue("path", out var hostPath) && !hostPath.Contains("://", StringComparison.Ordinal))
        {
            settings["path"] = absolute(hostPath);
        }

        var encryption = host.Encryption;
        if (encryption is not null)
        {
            var where2 = $"The config file {path}: host '{name}' \"encryption\"";
            encryption = (string.IsNullOrWhiteSpace(encryption.KeyFile), string.IsNullOrWhiteSpace(encryption.KeyEnv)) switch
            {
                (false, false) => throw CliException.Usage($"{where2} names both \"keyFile\" and \"keyEnv\": give one of them."),
                (true, true) => throw CliException.Usage(
                    $"{where2} needs \"keyFile\" (a key file, made by `cm hosts keygen FILE`) or \"keyEnv\" (an environment variable holding one). The key itself never goes in the config file."),
                (false, true) => encryption with { KeyFile = absolute(encryption.KeyFile!) },
                _ => encryption,
            };
        }

        return host with { Settings = settings, Encryption = encryption };
    }

    /// <summary>
    /// Turns the serializer's error into one that names the file and the key with its path, and says
    /// what the key must be, or which keys the object knows.
    /// </summary>
    private static string Describe(JsonException e, string path)
    {
        var segments = Segments(e.Path);
        var key = Display(segments);
        if (e is ConfigValueException value)
        {
            var full = value.InnerKey is null ? key : $"{key}.{value.InnerKey}";
            return value.IsExpectation
                ? $"The config file {path}: '{full}' must be {value.Message}."
                : $"The config file {path}: '{full}': {value.Message}";
        }

        if (segments.Count == 0)
        {
            return $"The config file {path} must hold a JSON object {{ ... }}.";
        }

        // Walk the declared shape along the path: either a key no type declares, or a value of the wrong type.
        JsonTypeInfo type = ConfigJson.Default.ConfigDocument;
        JsonPropertyInfo? property = null;
        foreach (var segment in segments)
        {
            if (segment.Index is not null)
            {
                type = ConfigJson.Default.GetTypeInfo(type.ElementType!)!;
                property = null;
                continue;
            }

            property = Known(type).FirstOrDefault(p => p.Name == segment.Name);
            if (property is null)
            {
                return $"The config file {path} has unknown key '{key}': known keys are {string.Join(", ", Known(type).Select(p => p.Name))}.";
            }

            type = ConfigJson.Default.GetTypeInfo(property.PropertyType)!;
        }

        return $"The config file {path}: '{key}' must be {Expected(type, property)}.";
    }

    /// <summary>The keys an object of the config file accepts, without those that exist only to be refused.</summary>
    private static IEnumerable<JsonPropertyInfo> Known(JsonTypeInfo type) =>
        type.Properties.Where(p => p.CustomConverter is not RefusedSecretConverter);

    private static string Expected(JsonTypeInfo type, JsonPropertyInfo? property)
    {
        var target = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
        return target switch
        {
            _ when target == typeof(string) => "a string",
            _ when target == typeof(int) => "a whole number",
            _ when target == typeof(double) => "a number",
            _ when type.Kind == JsonTypeInfoKind.Object && Known(type).Any() => $"an object with the keys {string.Join(", ", Known(type).Select(p => p.Name))}",
            _ when type.Kind == JsonTypeInfoKind.Enumerable && ConfigJson.Default.GetTypeInfo(type.ElementType!) is { Kind: JsonTypeInfoKind.Object } element =>
                $"an array of objects with the keys {string.Join(", ", Known(element).Select(p => p.Name))}",
            _ when type.Kind == JsonTypeInfoKind.Enumerable => "an array",
            _ => property?.Name is { } name ? $"a valid '{name}'" : "an object",
        };
    }

    private readonly record struct Segment(string? Name, int? Index);

    /// <summary>The parts of a path such as <c>$.hosts[0].settings</c> or <c>$['odd key']</c>.</summary>
    private static List<Segment> Segments(string? path) =>
        path is null ? [] : PathPart().Matches(path)
            .Select(m => m.Groups["index"].Success
                ? new Segment(null, int.Parse(m.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture))
                : new Segment(m.Groups["name"].Success ? m.Groups["name"].Value : m.Groups["quoted"].Value.Replace("\\'", "'", StringComparison.Ordinal), null))
            .ToList();

    private static string Display(List<Segment> segments) =>
        string.Concat(segments.Select((s, i) => s.Index is { } index ? $"[{index}]" : i == 0 ? s.Name : "." + s.Name));

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>(?:[^'\\]|\\.)*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathPart();

    /// <summary>
    /// Refuses text no setting can use, before any key is read: an escaped unpaired surrogate (which
    /// the JSON reader cannot turn into a string) and a NUL character (which no path may hold).
    /// </summary>
    private static void CheckText(JsonElement element, string path, string where)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var name = ReadText(() => property.Name, path, where == "" ? "a key" : $"a key in '{where}'");
                    CheckText(property.Value, path, where == "" ? name : $"{where}.{name}");
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckText(item, path, $"{where}[{index++}]");
                }

                break;
            case JsonValueKind.String:
                ReadText(() => element.GetString()!, path, $"'{where}'");
                break;
            default:
                break;
        }
    }

    private static string ReadText(Func<string> read, string path, string what)
    {
        string text;
        try
        {
            text = read();
        }
        catch (InvalidOperationException)
        {
            throw CliException.Usage($"The config file {path}: {what} holds an invalid escape (an unpaired UTF-16 surrogate such as \\ud800); write the character itself or a valid pair.");
        }

        return text.Contains('\0', StringComparison.Ordinal)
            ? throw CliException.Usage($"The config file {path}: {what} holds a NUL character (\\u0000), which no setting may contain.")
            : text;
    }
}
