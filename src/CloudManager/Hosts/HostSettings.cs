using System.Globalization;

namespace CloudManager.Hosts;

/// <summary>
/// Reads a host's text settings for a factory: typed values with the key in every message, unknown
/// keys rejected, secrets only from the environment variable a setting names.
/// </summary>
public sealed class HostSettings
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly string _hostName;
    private readonly string _kind;

    /// <summary>Checks that every key is one of <paramref name="knownKeys"/>.</summary>
    /// <exception cref="ArgumentException">A key is not known; the message names it and the known ones.</exception>
    public HostSettings(string hostName, string kind, IReadOnlyDictionary<string, string> settings, params string[] knownKeys)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(knownKeys);
        _hostName = hostName;
        _kind = kind;
        _settings = settings;
        foreach (var key in settings.Keys)
        {
            if (!knownKeys.Contains(key, StringComparer.Ordinal))
            {
                throw new ArgumentException(
                    $"Host '{hostName}': unknown setting '{key}' for a {kind} host; known settings: {string.Join(", ", knownKeys)}.", key);
            }
        }
    }

    /// <summary>A required text setting.</summary>
    /// <exception cref="ArgumentException">It is missing or blank.</exception>
    public string Required(string key) =>
        Optional(key) ?? throw new ArgumentException($"Host '{_hostName}': a {_kind} host needs the setting '{key}'.", key);

    /// <summary>A text setting, or null when absent or blank.</summary>
    public string? Optional(string key) =>
        _settings.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>A text setting, or <paramref name="defaultValue"/>.</summary>
    public string Text(string key, string defaultValue) => Optional(key) ?? defaultValue;

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="defaultValue"/>.</summary>
    /// <exception cref="ArgumentException">It is not a whole number in range.</exception>
    public int Int32(string key, int defaultValue, int min, int max) =>
        (int)Int64(key, defaultValue, min, max);

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="defaultValue"/>.</summary>
    /// <exception cref="ArgumentException">It is not a whole number in range.</exception>
    public long Int64(string key, long defaultValue, long min, long max)
    {
        if (Optional(key) is not { } text)
        {
            return defaultValue;
        }

        return long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"Host '{_hostName}': setting '{key}' must be a whole number from {min} to {max}, not '{text}'.", key);
    }

    /// <summary><c>true</c> or <c>false</c>, or <paramref name="defaultValue"/>.</summary>
    /// <exception cref="ArgumentException">It is neither.</exception>
    public bool Boolean(string key, bool defaultValue)
    {
        if (Optional(key) is not { } text)
        {
            return defaultValue;
        }

        return bool.TryParse(text.Trim(), out var value)
            ? value
            : throw new ArgumentException($"Host '{_hostName}': setting '{key}' must be true or false, not '{text}'.", key);
    }

    /// <summary>A duration given in whole seconds (the key ends in <c>Seconds</c>), or <paramref name="defaultValue"/>.</summary>
    /// <exception cref="ArgumentException">It is not a whole number of seconds from 1 to a week.</exception>
    public TimeSpan Seconds(string key, TimeSpan defaultValue) =>
        Optional(key) is null ? defaultValue : TimeSpan.FromSeconds(Int64(key, 0, 1, 7 * 24 * 3600));

    /// <summary>
    /// The value of the environment variable whose name the setting <paramref name="key"/> gives, or
    /// null when the setting is absent.
    /// </summary>
    /// <exception cref="ArgumentException">The setting names a variable that is not set.</exception>
    public string? SecretFromEnvironment(string key)
    {
        if (Optional(key) is not { } variable)
        {
            return null;
        }

        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(value)
            ? throw new ArgumentException($"Host '{_hostName}': setting '{key}' names the environment variable '{variable}', which is not set.", key)
            : value;
    }
}
