using System.CommandLine;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm setup-db [path-or-uri]</c>: creates or upgrades the catalog schema (the seed's <c>cm_setup_db</c>).</summary>
internal static class SetupDbCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var target = new Argument<string?>("path-or-uri")
        {
            Description = "The catalog: a SQLite file path, sqlite:PATH or a postgres:// URI (default: the configured catalog).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new CliCommand(
            "setup-db",
            "Create the catalog schema in a new database, or upgrade an existing one.",
            "cm setup-db /srv/cloud-manager/catalog.db",
            "cm setup-db postgres://pool@db.example/pool   # password from PGPASSWORD",
            "cm setup-db            # the catalog named by the config file or CM_DB")
        {
            target,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var result = await RunAsync(context, context.Value(target), cancellationToken);
            context.Console.Print(result, CliJsonContext.Default.SetupDbResult, WriteText);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Creates or upgrades the schema of <paramref name="target"/>, else of the configured catalog.</summary>
    public static async Task<SetupDbResult> RunAsync(CommandContext context, string? target, CancellationToken cancellationToken)
    {
        var location = target is null
            ? context.Settings.Catalog
            : CatalogLocation.Parse(target, "the command line", Environment.CurrentDirectory, context.Resolver.Folders);
        var catalog = location.Open();
        await using (catalog)
        {
            return new SetupDbResult(location.Display, await CloudPool.SetupDatabaseAsync(catalog, cancellationToken));
        }
    }

    private static void WriteText(CliConsole console, SetupDbResult result) =>
        console.Info($"Catalog ready at {result.Catalog} (schema version {result.SchemaVersion}).");
}
