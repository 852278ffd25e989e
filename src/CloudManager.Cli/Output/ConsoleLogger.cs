using Microsoft.Extensions.Logging;

namespace CloudManager.Cli.Output;

/// <summary>
/// Shows what the library logs on stderr: warnings and errors by default, everything with
/// <c>--verbose</c>, only errors with <c>--quiet</c>.
/// </summary>
internal sealed class ConsoleLogger(CliConsole console) : ILogger
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

        var message = formatter(state, exception);
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
}
