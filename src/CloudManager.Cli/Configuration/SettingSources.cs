namespace CloudManager.Cli.Configuration;

/// <summary>
/// Picks each setting from the first place that sets it (command line, environment, config file,
/// else the default) and remembers where it came from, by the name of the library option it sets;
/// the library's <c>Validate</c> then checks the values, and its error says where the bad one came from.
/// </summary>
internal sealed class SettingSources
{
    private readonly Dictionary<string, string> _sources = new(StringComparer.Ordinal);

    /// <summary>The first value that is set, else <paramref name="fallback"/>; remembered as the source of <paramref name="option"/>.</summary>
    public T Take<T>(string option, T fallback, params ReadOnlySpan<(T? Value, string Source)> candidates)
        where T : struct
    {
        foreach (var (value, source) in candidates)
        {
            if (value is { } set)
            {
                _sources[option] = source;
                return set;
            }
        }

        _sources[option] = "the default";
        return fallback;
    }

    /// <summary>The first text that is set (not blank), else <paramref name="fallback"/>; remembered as the source of <paramref name="option"/>.</summary>
    public string? TakeText(string option, string? fallback, params ReadOnlySpan<(string? Value, string Source)> candidates)
    {
        foreach (var (value, source) in candidates)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                _sources[option] = source;
                return value;
            }
        }

        _sources[option] = "the default";
        return fallback;
    }

    /// <summary>Remembers where <paramref name="option"/> came from, for a value picked elsewhere.</summary>
    public void Record(string option, string source) => _sources[option] = source;

    /// <summary>Runs a check of the library; see <see cref="Check{T}(Func{T}, string?)"/>.</summary>
    /// <exception cref="CliException">The check failed (exit code 2).</exception>
    public void Check(Action check, string? option = null) =>
        Check(
            () =>
            {
                check();
                return true;
            },
            option);

    /// <summary>Runs a check of the library; its <see cref="ArgumentException"/> becomes a usage error that names the source of the option.</summary>
    /// <param name="check">Builds or validates the library's options.</param>
    /// <param name="option">The option every error of <paramref name="check"/> is about; null to take it from <see cref="ArgumentException.ParamName"/>.</param>
    /// <exception cref="CliException">The check failed (exit code 2).</exception>
    public T Check<T>(Func<T> check, string? option = null)
    {
        try
        {
            return check();
        }
        catch (ArgumentException e)
        {
            var message = ErrorDescriptions.Plain(e);
            if (e is ArgumentOutOfRangeException { ActualValue: { } actual } && message.EndsWith('.'))
            {
                message = $"{message[..^1]}, not {Convert.ToString(actual, System.Globalization.CultureInfo.InvariantCulture)}.";
            }

            throw CliException.Usage(_sources.TryGetValue(option ?? e.ParamName ?? "", out var source) ? $"{source}: {message}" : message);
        }
    }
}
