using System.Text.Json;
using CloudManager.Cli.Hosts;
using CloudManager.Cli.Output;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// Reads the JSON config file strictly: comments and trailing commas are allowed, unknown keys and
/// values of the wrong type are errors that name the key. Relative paths are relative to the file.
/// </summary>
internal static class ConfigFileReader
{
    public const string CatalogKey = "catalog";
    public const string CacheKey = "cache";
    public const string CapacityKey = "capacity";
    public const string MaxFillKey = "maxFill";
    public const string EvictionPolicyKey = "evictionPolicy";
    public const string RedundancyKey = "redundancy";
    public const string MinCopiesKey = "minCopies";
    public const string NodeIdKey = "nodeId";
    public const string HostsKey = "hosts";
    public const string GatewayKey = "gateway";

    private static readonly string[] TopLevelKeys =
        [CatalogKey, CacheKey, CapacityKey, MaxFillKey, EvictionPolicyKey, RedundancyKey, MinCopiesKey, NodeIdKey, HostsKey, GatewayKey];

    private static readonly string[] HostKeys = ["name", "kind", "settings"];

    private static readonly string[] GatewayKeys =
    [
        "urls", "tokenFile", "maxUploadSize", "maxSyncLoadSize", "monthlyIncomingLimit", "monthlyOutgoingLimit",
        "syncDelay", "syncInterval", "hostProbeInterval", "maxConnections", "shutdownTimeout", "memoryCache",
    ];

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
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"The config file {path} is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw CliException.Usage($"The config file {path} must hold a JSON object {{ ... }}.");
            }

            CheckText(root, path, "");
            CheckKeys(root, TopLevelKeys, path, "");
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
            var reader = new Reader(path);
            return new ConfigDocument
            {
                Path = path,
                Catalog = reader.String(root, CatalogKey),
                Cache = reader.String(root, CacheKey) is { } cache ? System.IO.Path.GetFullPath(folders.ExpandHome(cache), folder) : null,
                Capacity = reader.Size(root, CapacityKey),
                MaxFill = reader.Number(root, MaxFillKey),
                EvictionPolicy = reader.String(root, EvictionPolicyKey),
                Redundancy = reader.Integer(root, RedundancyKey),
                MinCopies = reader.Integer(root, MinCopiesKey),
                NodeId = reader.String(root, NodeIdKey),
                Hosts = root.TryGetProperty(HostsKey, out var hosts) ? ReadHosts(hosts, path, folder, folders) : null,
                Gateway = root.TryGetProperty(GatewayKey, out var gateway) ? ReadGateway(gateway, path, folder, folders) : null,
            };
        }
    }

    private static List<HostDefinition> ReadHosts(JsonElement hosts, string path, string folder, UserFolders folders)
    {
        if (hosts.ValueKind != JsonValueKind.Array)
        {
            throw CliException.Usage($"The config file {path}: '{HostsKey}' must be an array of hosts.");
        }

        var result = new List<HostDefinition>();
        var index = 0;
        foreach (var host in hosts.EnumerateArray())
        {
            var where = $"{HostsKey}[{index}]";
            if (host.ValueKind != JsonValueKind.Object)
            {
                throw CliException.Usage($"The config file {path}: {where} must be an object with name, kind and settings.");
            }

            CheckKeys(host, HostKeys, path, where + ".");
            var reader = new Reader(path);
            var name = reader.String(host, "name", where + ".name")
                ?? throw CliException.Usage($"The config file {path}: {where} needs a \"name\".");
            var kind = reader.String(host, "kind", where + ".kind")
                ?? throw CliException.Usage($"The config file {path}: host '{name}' needs a \"kind\" (for example \"directory\").");
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            if (host.TryGetProperty("settings", out var settingsElement))
            {
                if (settingsElement.ValueKind != JsonValueKind.Object)
                {
                    throw CliException.Usage($"The config file {path}: {where}.settings must be an object.");
                }

                foreach (var setting in settingsElement.EnumerateObject())
                {
                    settings[setting.Name] = setting.Value.ValueKind switch
                    {
                        JsonValueKind.String => setting.Value.GetString()!,
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => setting.Value.GetRawText(),
                        _ => throw CliException.Usage($"The config file {path}: {where}.settings.{setting.Name} must be a string, number or boolean."),
                    };
                }
            }

            // A folder path in the file is relative to the file, like the catalog and the cache.
            if (settings.TryGetValue("path", out var hostPath) && !hostPath.Contains("://", StringComparison.Ordinal))
            {
                settings["path"] = System.IO.Path.GetFullPath(folders.ExpandHome(hostPath), folder);
            }

            result.Add(new HostDefinition(name, kind, settings, $"config file {path}"));
            index++;
        }

        return result;
    }

    private static GatewayConfig ReadGateway(JsonElement gateway, string path, string folder, UserFolders folders)
    {
        if (gateway.ValueKind != JsonValueKind.Object)
        {
            throw CliException.Usage($"The config file {path}: '{GatewayKey}' must be an object.");
        }

        if (gateway.TryGetProperty("token", out _))
        {
            throw CliException.Usage(
                $"The config file {path}: the gateway token is a secret and must not be in the config file: set {EnvironmentNames.GatewayToken}, or name a file holding it with \"tokenFile\".");
        }

        CheckKeys(gateway, GatewayKeys, path, GatewayKey + ".");
        var reader = new Reader(path);
        IReadOnlyList<string>? urls = null;
        if (gateway.TryGetProperty("urls", out var urlsElement) && urlsElement.ValueKind != JsonValueKind.Null)
        {
            urls = urlsElement.ValueKind switch
            {
                JsonValueKind.String => GatewaySettings.SplitUrls(urlsElement.GetString()!),
                JsonValueKind.Array when urlsElement.EnumerateArray().All(u => u.ValueKind == JsonValueKind.String) =>
                    urlsElement.EnumerateArray().Select(u => u.GetString()!).ToList(),
                _ => throw CliException.Usage($"The config file {path}: '{GatewayKey}.urls' must be a string or an array of strings."),
            };
        }

        return new GatewayConfig
        {
            Urls = urls,
            TokenFile = reader.String(gateway, "tokenFile", GatewayKey + ".tokenFile") is { } tokenFile
                ? System.IO.Path.GetFullPath(folders.ExpandHome(tokenFile), folder)
                : null,
            MaxUploadSize = reader.Size(gateway, "maxUploadSize"),
            MaxSyncLoadSize = reader.Size(gateway, "maxSyncLoadSize"),
            MonthlyIncomingLimit = reader.Size(gateway, "monthlyIncomingLimit"),
            MonthlyOutgoingLimit = reader.Size(gateway, "monthlyOutgoingLimit"),
            SyncDelay = reader.Duration(gateway, "syncDelay"),
            SyncInterval = reader.Duration(gateway, "syncInterval"),
            HostProbeInterval = reader.Duration(gateway, "hostProbeInterval"),
            MaxConnections = reader.Integer(gateway, "maxConnections"),
            ShutdownTimeout = reader.Duration(gateway, "shutdownTimeout"),
            MemoryCache = reader.Size(gateway, "memoryCache", zeroAllowed: true),
        };
    }

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
                    var inner = where == "" ? name : $"{where}.{name}";
                    CheckText(property.Value, path, inner);
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

    private static void CheckKeys(JsonElement element, string[] known, string path, string prefix)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                throw CliException.Usage(
                    $"The config file {path} has unknown key '{prefix}{property.Name}': known keys are {string.Join(", ", known)}.");
            }
        }
    }

    /// <summary>Typed reads that name the key when a value has the wrong type.</summary>
    private sealed class Reader(string path)
    {
        public string? String(JsonElement element, string key, string? display = null)
        {
            if (!element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw Wrong(display ?? key, "a string");
        }

        public int? Integer(JsonElement element, string key)
        {
            if (!element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
                ? number
                : throw Wrong(key, "a whole number");
        }

        public double? Number(JsonElement element, string key)
        {
            if (!element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong(key, "a number");
        }

        /// <summary>A size; with <paramref name="zeroAllowed"/> also 0, for a setting that 0 turns off.</summary>
        public long? Size(JsonElement element, string key, bool zeroAllowed = false)
        {
            if (!element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            var text = value.ValueKind switch
            {
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.String => value.GetString(),
                _ => throw Wrong(key, "a size such as \"20GiB\" or a number of bytes"),
            };
            if (zeroAllowed && text?.Trim() == "0")
            {
                return 0;
            }

            return ByteSize.TryParse(text, out var bytes, out var problem)
                ? bytes
                : throw CliException.Usage($"The config file {path}: '{key}': {problem}");
        }

        public TimeSpan? Duration(JsonElement element, string key)
        {
            if (!element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            var text = value.ValueKind switch
            {
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.String => value.GetString(),
                _ => throw Wrong(key, "a duration such as \"30s\", \"5m\", \"1h\" or a number of seconds"),
            };
            return GatewaySettings.TryParseDuration(text, out var duration)
                ? duration
                : throw Wrong(key, "a duration such as \"30s\", \"5m\", \"1h\" or a number of seconds");
        }

        private CliException Wrong(string key, string expected) =>
            CliException.Usage($"The config file {path}: '{key}' must be {expected}.");
    }
}
