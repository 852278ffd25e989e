using System.CommandLine;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Output;
using CloudManager.Hosts;

namespace CloudManager.Cli;

/// <summary>What a running command works with: its parsed command line, the console, the settings and the pool.</summary>
internal sealed class CommandContext
{
    private PoolSettings? _settings;

    public CommandContext(ParseResult parseResult, GlobalOptions globals, CliConsole console, SettingsResolver resolver, HostRegistry registry)
    {
        ParseResult = parseResult;
        Globals = globals;
        Console = console;
        Resolver = resolver;
        Registry = registry;
    }

    public ParseResult ParseResult { get; }

    public GlobalOptions Globals { get; }

    public CliConsole Console { get; }

    public SettingsResolver Resolver { get; }

    public HostRegistry Registry { get; }

    public CommandLineOverrides Overrides => new(
        ParseResult.GetValue(Globals.Config),
        ParseResult.GetValue(Globals.Database),
        ParseResult.GetValue(Globals.Storage),
        ParseResult.GetValue(Globals.Capacity));

    /// <summary>The merged settings, resolved on first use.</summary>
    public PoolSettings Settings => _settings ??= Resolver.Resolve(Overrides);

    public T Value<T>(Argument<T> argument) => ParseResult.GetValue(argument)!;

    public T Value<T>(Option<T> option) => ParseResult.GetValue(option)!;

    /// <summary>Opens the pool (see <see cref="PoolOpener.OpenAsync"/>), printing what reconciling the cache folder must tell the user.</summary>
    public Task<CloudPool> OpenPoolAsync(CancellationToken cancellationToken, bool reportCacheRepairs = true) =>
        PoolOpener.OpenAsync(Settings, Registry, Console, new ConsoleLogger(Console), cancellationToken, reportCacheRepairs);

    /// <summary>The pool without opening its cache (see <see cref="PoolOpener.CreateLazyAsync"/>).</summary>
    public Task<CloudPool> CreateLazyPoolAsync(CancellationToken cancellationToken) =>
        PoolOpener.CreateLazyAsync(Settings, Registry, Console, new ConsoleLogger(Console), cancellationToken);
}
