using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace CloudManager.Cli.Output;

/// <summary>
/// Shows what the library logs on stderr: warnings and errors by default, everything with
/// <c>--verbose</c>, only errors with <c>--quiet</c>. A <c>token=</c> value in a URL (the dashboard
/// address <c>cm serve</c> prints once, which ASP.NET Core logs per request with <c>--verbose</c>) is
/// written as <c>token=REDACTED</c>.
/// </summary>
internal sealed partial class ConsoleLogger(CliConsole console) : ILogger
{
    private readonly LogLevel _minimum = console.Verbose ? LogLevel.Debug : console.Quiet ? LogLevel.Error : LogLevel.Warning;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = Redact(formatter(state, exception));
        switch (logLevel)
        {
            case >= LogLevel.Error:
                console.Fail(message);
                break;
            case LogLevel.Warning:
                console.Warn(message);
                break;
            default:
                console.Detail(message);
                break;
        }
    }

    /// <summary>The text with the value of every <c>token=</c> query parameter replaced.</summary>
    internal static string Redact(string message) =>
        message.Contains("token=", StringComparison.OrdinalIgnoreCase) ? TokenParameter().Replace(message, "REDACTED") : message;

    [GeneratedRegex(@"(?<=[?&;]token=)[^&#\s""'<>]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenParameter();
}
