using System.CommandLine;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm init [path]</c>: writes a commented starter config and creates what it names.</summary>
internal static class InitCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var target = new Argument<string?>("path")
        {
            Description = "Where to write the config (default: --config, else ~/.config/cloud-manager/config.json).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var force = new Option<bool>("--force", "-f") { Description = "Replace an existing config file." };
        var command = new CliCommand(
            "init",
            "Write a commented starter config that spells out the embedded default (catalog, cache and three directory hosts under the user's data folder; --db, --storage and --capacity change them), create those folders and the catalog. Edit it to add real hosts.",
            "cm init",
            "cm init ./cloudmanager.json --db /srv/cm/catalog.db --storage /srv/cm/cache --capacity 200GiB")
        {
            target,
            force,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var result = await RunAsync(context, context.Value(target), context.Value(force), cancellationToken);
            context.Console.Print(result, CliJsonContext.Default.InitResult, WriteText);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Writes the starter config to <paramref name="target"/> (else the default path) and creates what it names.</summary>
    public static async Task<InitResult> RunAsync(CommandContext context, string? target, bool force, CancellationToken cancellationToken)
    {
        var folders = context.Resolver.Folders;
        var overrides = context.Overrides;
        var path = Path.GetFullPath(folders.ExpandHome(target ?? overrides.ConfigPath ?? folders.ConfigFile));
        if (File.Exists(path) && !force)
        {
            throw new CliException(ExitCodes.Failed, $"{path} already exists: pass --force to replace it, or edit it.");
        }

        var data = folders.DataFolder;
        var catalog = overrides.Database is { } db
            ? CatalogLocation.Parse(db, "--db", Environment.CurrentDirectory, folders)
            : new CatalogLocation(EmbeddedDefault.CatalogPath(data), EmbeddedDefault.CatalogPath(data), "the default location");
        var cache = overrides.Storage is { } storage ? Path.GetFullPath(folders.ExpandHome(storage)) : EmbeddedDefault.CachePath(data);
        var capacity = overrides.Capacity ?? EmbeddedDefault.Capacity;
        var hosts = EmbeddedDefault.Hosts(data);

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(cache);
        foreach (var host in hosts)
        {
            Directory.CreateDirectory(host.Settings["path"]);
        }

        var version = await CloudPool.SetupDatabaseAsync(catalog.Value, cancellationToken);
        await File.WriteAllTextAsync(path, StarterConfig.Render(catalog.Value, cache, capacity, hosts), cancellationToken);
        return new InitResult(path, catalog.Display, version, cache, capacity, hosts.Count, Path.Combine(data, "hosts"));
    }

    private static void WriteText(CliConsole console, InitResult result) =>
        console.Info($"Wrote {result.Config}: catalog {result.Catalog}, cache {result.Cache} ({ByteSize.Format(result.Capacity)}), {result.HostCount} directory hosts under {result.HostsFolder}. Edit it to add your own hosts.");
}
