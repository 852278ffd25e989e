using System.CommandLine;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Output;

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
            var text = context.Value(target);
            var location = text is null
                ? context.Settings.Catalog
                : CatalogLocation.Parse(text, "the command line", Environment.CurrentDirectory, context.Resolver.Folders);
            var catalog = location.Open();
            int version;
            await using (catalog)
            {
                version = await CloudPool.SetupDatabaseAsync(catalog, cancellationToken);
            }

            if (context.Console.Json)
            {
                JsonOutput.Write(context.Console, json =>
                {
                    json.WriteStartObject();
                    json.WriteString("catalog", location.Display);
                    json.WriteNumber("schema_version", version);
                    json.WriteEndObject();
                });
            }
            else
            {
                context.Console.Info($"Catalog ready at {location.Display} (schema version {version}).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
