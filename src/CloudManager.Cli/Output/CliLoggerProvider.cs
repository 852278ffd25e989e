using Microsoft.Extensions.Logging;

namespace CloudManager.Cli.Output;

/// <summary>Sends the gateway's logs (ASP.NET Core, Kestrel, the gateway itself) to stderr as the library's are.</summary>
internal sealed class CliLoggerProvider(CliConsole console) : ILoggerProvider
{
    private readonly ConsoleLogger _logger = new(console);

    public ILogger CreateLogger(string categoryName) => _logger;

    public void Dispose()
    {
    }
}
