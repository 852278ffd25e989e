using System.Globalization;

namespace CloudManager.Hosts;

/// <summary>
/// Reads a host's text settings for a factory against the factory's <see cref="HostOption"/>
/// declarations: unknown keys and missing required ones rejected, defaults and ranges taken from the
/// declaration, the key in every message, secrets only from the environment variable a setting names.
/// </summary>
/// <remarks>
/// Every message starts with <c>Host 'NAME'</c> and carries the key as
/// <see cref="ArgumentException.ParamName"/>, so that an application can add where the host was
/// defined. Asking for a key that is not declared is a programming error
/// (<see cref="InvalidOperationException"/>): a factory cannot read a setting it does not document.
/// </remarks>
public sealed class HostSettings
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly IReadOnlyList<HostOption> _options;
    private readonly string _hostName;
    private readonly string _kind;

    /// <summary>Checks the settings against the declared options (see <see cref="Check"/>).</summary>
    /// <param name="hostName">The host's name, for messages.</param>
    /// <param name="kind">The host's kind, for messages.</param>
    /// <param name="settings">The settings, as text.</param>
    /// <param name="options">Every setting the kind accepts.</param>
    /// <exception cref="ArgumentException">A key is not declared, or a required one is missing or blank.</exception>
    public HostSettings(string hostName, string kind, IReadOnlyDictionary<string, string> settings, IReadOnlyList<HostOption> options)
    {
        Check(hostName, kind, settings, options);
        _hostName = hostName;
        _kind = kind;
        _settings = settings;
        _options = options;
    }

    /// <summary>Checks that every key is a declared option and that every required option has a value.</summary>
    /// <param name="hostName">The host's name, for messages.</param>
    /// <param name="kind">The host's kind, for messages.</param>
    /// <param name="settings">The settings, as text.</param>
    /// <param name="options">Every setting the kind accepts.</param>
    /// <exception cref="ArgumentException">
    /// A key is not declared (the message names it and the accepted ones), or a required option is
    /// missing or blank (the message names it and says what it means).
    /// </exception>
    public static void Check(string hostName, string kind, IReadOnlyDictionary<string, string> settings, IReadOnlyList<HostOption> options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var key in settings.Keys.Order(StringComparer.Ordinal))
        {
            if (!options.Any(o => string.Equals(o.Name, key, StringComparison.Ordinal)))
            {
                throw new ArgumentException(
                    $"Host '{hostName}' has unknown setting '{key}': a {kind} host accepts {string.Join(", ", options.Select(o => o.Name))}.", key);
            }
        }

        foreach (var option in options.Where(o => o.Required))
        {
            if (!settings.TryGetValue(option.Name, out var value) || string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"Host '{hostName}' needs setting '{option.Name}': {option.Description}", option.Name);
            }
        }
    }

    /// <summary>A required text setting.</summary>
    /// <exception cref="ArgumentException">It is missing or blank.</exception>
    public string Required(string key) =>
        Optional(key) ?? throw new ArgumentException($"Host '{_hostName}' needs setting '{key}': {Option(key).Description}", key);

    /// <summary>A text setting, or null when absent or blank.</summary>
    public string? Optional(string key)
    {
        _ = Option(key);
        return _settings.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
    }

    /// <summary>A text setting, or its declared default.</summary>
    public string Text(string key) => Optional(key) ?? DefaultOf(key);

    /// <summary>A whole number in its declared range, or its declared default.</summary>
    /// <exception cref="ArgumentException">It is not a whole number in range.</exception>
    public int Int32(string key) => checked((int)Int64(key));

    /// <summary>A whole number in its declared range, or its declared default.</summary>
    /// <exception cref="ArgumentException">It is not a whole number in range.</exception>
    public long Int64(string key)
    {
        var option = Option(key);
        if (option.Minimum is not { } min || option.Maximum is not { } max)
        {
            throw new InvalidOperationException($"The {_kind} option '{key}' declares no range.");
        }

        var text = Optional(key) ?? DefaultOf(key);
        return long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"Host '{_hostName}': setting '{key}' must be a whole number from {min} to {max}, not '{text}'.", key);
    }

    /// <summary><c>true</c> or <c>false</c>, or its declared default.</summary>
    /// <exception cref="ArgumentException">It is neither.</exception>
    public bool Boolean(string key)
    {
        var text = Optional(key) ?? DefaultOf(key);
        return bool.TryParse(text.Trim(), out var value)
            ? value
            : throw new ArgumentException($"Host '{_hostName}': setting '{key}' must be true or false, not '{text}'.", key);
    }

    /// <summary>A duration given in whole seconds (the key ends in <c>Seconds</c>), in its declared range, or its declared default.</summary>
    /// <exception cref="ArgumentException">It is not a whole number of seconds in range.</exception>
    public TimeSpan Seconds(string key) => TimeSpan.FromSeconds(Int64(key));

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

    private HostOption Option(string key) =>
        _options.FirstOrDefault(o => string.Equals(o.Name, key, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"The {_kind} factory reads '{key}', which it does not declare among its options.");

    private string DefaultOf(string key) =>
        Option(key).Default ?? throw new InvalidOperationException($"The {_kind} option '{key}' declares no default.");
}
