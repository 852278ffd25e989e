using System.Globalization;
using CloudManager.Cli.Output;
using CloudManager.Gateway;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// The gateway's options for <c>cm serve</c>, merged like the pool's: command line, then environment
/// variables, then the config file's <c>gateway</c> section, then the gateway's defaults. The token
/// comes only from <c>CM_GATEWAY_TOKEN</c> or a token file; <c>--no-auth</c> only from the command line.
/// </summary>
internal static class GatewaySettings
{
    public static GatewayOptions Resolve(GatewayConfig? file, Func<string, string?> environment, string? urlsOption, string currentFolder, bool noAuth = false)
    {
        // Each value from the first place that sets it, else the gateway's default; GatewayOptions.Validate checks them all, once.
        var defaults = new GatewayOptions();
        var sources = new SettingSources();
        string InFile(string property) => $"{ConfigJson.KeyOf(nameof(ConfigDocument.Gateway))}.{ConfigJson.KeyOf(property)} in the config file";
        long? Optional(string option, string variable, long? fromFile, string property)
        {
            var fromEnvironment = Size(environment, variable);
            sources.Record(option, fromEnvironment is null ? InFile(property) : variable);
            return fromEnvironment ?? fromFile;
        }

        var options = new GatewayOptions
        {
            Token = ReadToken(file, environment, currentFolder, sources),
            NoAuth = noAuth,
            MaxUploadBytes = Optional(
                nameof(GatewayOptions.MaxUploadBytes), EnvironmentNames.GatewayMaxUploadSize, file?.MaxUploadSize, nameof(GatewayConfig.MaxUploadSize)),
            MonthlyIncomingLimitBytes = Optional(
                nameof(GatewayOptions.MonthlyIncomingLimitBytes), EnvironmentNames.GatewayMonthlyIncomingLimit, file?.MonthlyIncomingLimit, nameof(GatewayConfig.MonthlyIncomingLimit)),
            MonthlyOutgoingLimitBytes = Optional(
                nameof(GatewayOptions.MonthlyOutgoingLimitBytes), EnvironmentNames.GatewayMonthlyOutgoingLimit, file?.MonthlyOutgoingLimit, nameof(GatewayConfig.MonthlyOutgoingLimit)),
            MaxSyncLoadBytes = sources.Take(
                nameof(GatewayOptions.MaxSyncLoadBytes), defaults.MaxSyncLoadBytes, (file?.MaxSyncLoadSize, InFile(nameof(GatewayConfig.MaxSyncLoadSize)))),
            SyncDelay = sources.Take(nameof(GatewayOptions.SyncDelay), defaults.SyncDelay, (file?.SyncDelay, InFile(nameof(GatewayConfig.SyncDelay)))),
            SyncInterval = sources.Take(nameof(GatewayOptions.SyncInterval), defaults.SyncInterval, (file?.SyncInterval, InFile(nameof(GatewayConfig.SyncInterval)))),
            HostProbeInterval = sources.Take(
                nameof(GatewayOptions.HostProbeInterval), defaults.HostProbeInterval, (file?.HostProbeInterval, InFile(nameof(GatewayConfig.HostProbeInterval)))),
            MaxConnections = sources.Take<long>(
                nameof(GatewayOptions.MaxConnections), defaults.MaxConnections, (file?.MaxConnections, InFile(nameof(GatewayConfig.MaxConnections)))),
            ShutdownTimeout = sources.Take(
                nameof(GatewayOptions.ShutdownTimeout), defaults.ShutdownTimeout, (file?.ShutdownTimeout, InFile(nameof(GatewayConfig.ShutdownTimeout)))),
        };
        var urls = NonEmpty(urlsOption) is { } fromOption ? (SplitUrls(fromOption), "--urls")
            : NonEmpty(environment(EnvironmentNames.GatewayUrls)) is { } fromEnvironment ? (SplitUrls(fromEnvironment), EnvironmentNames.GatewayUrls)
            : (file?.Urls ?? [], InFile(nameof(GatewayConfig.Urls)));
        sources.Record(nameof(GatewayOptions.Urls), urls.Item2);
        sources.Record(nameof(GatewayOptions.NoAuth), "--no-auth");
        foreach (var url in urls.Item1)
        {
            options.Urls.Add(url);
        }

        sources.Check(options.Validate);
        return options;
    }

    /// <summary>Addresses separated by ';' (as ASP.NET writes them) or ','.</summary>
    public static List<string> SplitUrls(string text) =>
        [.. text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>A duration: a number of seconds, or a number with <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : text.EndsWith('d') ? (text[..^1], 86400.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsNaN(value) || value * unit > TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }

    private static string? ReadToken(GatewayConfig? file, Func<string, string?> environment, string currentFolder, SettingSources sources)
    {
        if (NonEmpty(environment(EnvironmentNames.GatewayToken)) is { } token)
        {
            sources.Record(nameof(GatewayOptions.Token), EnvironmentNames.GatewayToken);
            return token.Trim();
        }

        var (path, source) = NonEmpty(environment(EnvironmentNames.GatewayTokenFile)) is { } fromEnvironment
            ? (Path.GetFullPath(fromEnvironment, currentFolder), EnvironmentNames.GatewayTokenFile)
            : (file?.TokenFile, $"{ConfigJson.KeyOf(nameof(ConfigDocument.Gateway))}.{ConfigJson.KeyOf(nameof(GatewayConfig.TokenFile))} in the config file");
        if (path is null)
        {
            return null;
        }

        sources.Record(nameof(GatewayOptions.Token), source);

        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"Cannot read the gateway token from {path} (from {source}): {e.Message}");
        }

        return text.Length > 0 ? text : throw CliException.Usage($"The gateway token file {path} (from {source}) is empty.");
    }

    private static long? Size(Func<string, string?> environment, string variable) =>
        NonEmpty(environment(variable)) is not { } text ? null
        : ByteSize.TryParse(text, out var bytes, out var problem) ? bytes
        : throw CliException.Usage($"{variable}: {problem}");

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
