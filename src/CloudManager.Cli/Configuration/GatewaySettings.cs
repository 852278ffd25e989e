using System.Globalization;
using CloudManager.Cli.Output;
using CloudManager.Gateway;

namespace CloudManager.Cli.Configuration;

/// <summary>
/// The gateway's options for <c>cm serve</c>, merged like the pool's: command line, then environment
/// variables, then the config file's <c>gateway</c> section, then the gateway's defaults. The token
/// comes only from <c>CM_GATEWAY_TOKEN</c> or a token file.
/// </summary>
internal static class GatewaySettings
{
    public static GatewayOptions Resolve(GatewayConfig? file, Func<string, string?> environment, string? urlsOption, string currentFolder)
    {
        var options = new GatewayOptions
        {
            Token = ReadToken(file, environment, currentFolder),
            MaxUploadBytes = Size(environment, EnvironmentNames.GatewayMaxUploadSize) ?? file?.MaxUploadSize,
            MonthlyIncomingLimitBytes = Size(environment, EnvironmentNames.GatewayMonthlyIncomingLimit) ?? file?.MonthlyIncomingLimit,
            MonthlyOutgoingLimitBytes = Size(environment, EnvironmentNames.GatewayMonthlyOutgoingLimit) ?? file?.MonthlyOutgoingLimit,
        };
        var urls = NonEmpty(urlsOption) is { } fromOption ? SplitUrls(fromOption)
            : NonEmpty(environment(EnvironmentNames.GatewayUrls)) is { } fromEnvironment ? SplitUrls(fromEnvironment)
            : file?.Urls ?? [];
        foreach (var url in urls)
        {
            options.Urls.Add(url);
        }

        if (file is not null)
        {
            options.MaxSyncLoadBytes = file.MaxSyncLoadSize ?? options.MaxSyncLoadBytes;
            options.SyncDelay = file.SyncDelay ?? options.SyncDelay;
            options.SyncInterval = file.SyncInterval ?? options.SyncInterval;
            options.HostProbeInterval = file.HostProbeInterval ?? options.HostProbeInterval;
            options.MaxConnections = file.MaxConnections ?? options.MaxConnections;
            options.ShutdownTimeout = file.ShutdownTimeout ?? options.ShutdownTimeout;
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage(e.Message);
        }

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

    private static string? ReadToken(GatewayConfig? file, Func<string, string?> environment, string currentFolder)
    {
        if (NonEmpty(environment(EnvironmentNames.GatewayToken)) is { } token)
        {
            return token.Trim();
        }

        var (path, source) = NonEmpty(environment(EnvironmentNames.GatewayTokenFile)) is { } fromEnvironment
            ? (Path.GetFullPath(fromEnvironment, currentFolder), EnvironmentNames.GatewayTokenFile)
            : (file?.TokenFile, "gateway.tokenFile in the config file");
        if (path is null)
        {
            return null;
        }

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
