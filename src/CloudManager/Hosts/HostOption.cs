using System.Globalization;

namespace CloudManager.Hosts;

/// <summary>
/// One setting a host kind accepts, declared once by its <see cref="IStorageHostFactory"/>: the
/// registry checks keys against it, <see cref="HostSettings"/> reads values and defaults from it, and
/// help and documentation list it.
/// </summary>
/// <param name="Name">The key in a host's <c>settings</c>, camelCase.</param>
/// <param name="Description">What it means, one sentence or two, for help, documentation and errors.</param>
/// <param name="Default">The value used when the setting is absent, as the text the setting would hold; null when absence has its own meaning (told in <paramref name="Description"/>).</param>
/// <param name="Required">Whether a host of this kind needs it.</param>
/// <param name="Secret">
/// Whether the value itself is a secret (a password, a key): an application reads it only from the
/// environment, never from a config file, and shows it redacted.
/// </param>
public sealed record HostOption(string Name, string Description, string? Default = null, bool Required = false, bool Secret = false)
{
    /// <summary>The smallest value of a whole-number setting.</summary>
    /// <value>Null for other settings.</value>
    public long? Minimum { get; init; }

    /// <summary>The largest value of a whole-number setting.</summary>
    /// <value>Null for other settings.</value>
    public long? Maximum { get; init; }

    /// <summary>The accepted range as text, such as <c>1 to 64</c>; null when the setting has none.</summary>
    public string? Range =>
        Minimum is { } min && Maximum is { } max
            ? string.Create(CultureInfo.InvariantCulture, $"{min} to {max}")
            : null;

    /// <summary>A whole-number setting of <paramref name="min"/> to <paramref name="max"/> with a default.</summary>
    /// <param name="name">The key.</param>
    /// <param name="description">What it means.</param>
    /// <param name="defaultValue">The value when absent.</param>
    /// <param name="min">The smallest value.</param>
    /// <param name="max">The largest value.</param>
    public static HostOption WholeNumber(string name, string description, long defaultValue, long min, long max) =>
        new(name, description, defaultValue.ToString(CultureInfo.InvariantCulture)) { Minimum = min, Maximum = max };

    /// <summary>A duration in whole seconds (the key ends in <c>Seconds</c>), from 1 second to a week, with a default.</summary>
    /// <param name="name">The key.</param>
    /// <param name="description">What it means.</param>
    /// <param name="defaultValue">The value when absent, a whole number of seconds.</param>
    public static HostOption Seconds(string name, string description, TimeSpan defaultValue) =>
        WholeNumber(name, description, (long)defaultValue.TotalSeconds, 1, 7 * 24 * 3600);

    /// <summary><c>true</c> or <c>false</c>, with a default.</summary>
    /// <param name="name">The key.</param>
    /// <param name="description">What it means.</param>
    /// <param name="defaultValue">The value when absent.</param>
    public static HostOption Boolean(string name, string description, bool defaultValue) =>
        new(name, description, defaultValue ? "true" : "false");
}
