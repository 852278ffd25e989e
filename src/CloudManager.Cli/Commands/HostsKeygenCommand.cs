using System.CommandLine;
using CloudManager.Cli.Output;
using CloudManager.Cli.Output.Results;
using CloudManager.Hosts.Encryption;

namespace CloudManager.Cli.Commands;

/// <summary>
/// <c>cm hosts keygen FILE</c>: writes a new key file for encrypted hosts, readable and writable by its
/// owner only; never replaces a file.
/// </summary>
internal static class HostsKeygenCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var file = new Argument<string>("file") { Description = "The key file to write; it must not exist yet." };
        var command = new CliCommand(
            "keygen",
            "Write a new key file for encrypted hosts: one random 256-bit key with a random id, as small JSON, readable by you only (mode 0600). " +
            "Name it in a host's config as \"encryption\": { \"keyFile\": \"FILE\" }, or put its text in an environment variable named by \"keyEnv\". " +
            "An existing file is never replaced. Keep a copy of the key somewhere safe: without it, nobody can read the host's copies (docs/security.md).",
            "cm hosts keygen ~/.config/cloud-manager/offsite.key")
        {
            file,
        };
        CommandRunner.SetAction(command, globals, (context, cancellationToken) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.GetFullPath(context.Value(file));
            if (File.Exists(path) || Directory.Exists(path))
            {
                throw CliException.Usage($"'{path}' already exists: a key file is never replaced, since the copies sealed under its key would become unreadable. Choose another name.");
            }

            string id;
            try
            {
                id = EncryptionKeyRing.WriteNewKeyFile(path);
            }
            catch (IOException e) when (File.Exists(path))
            {
                throw CliException.Usage($"'{path}' already exists: a key file is never replaced. Choose another name. ({e.Message})");
            }

            var result = new KeygenResult(path, id);
            context.Console.Print(result, CliJsonContext.Default.KeygenResult, (console, r) =>
                console.Info($"Wrote key {r.KeyId} to {r.File} (readable by you only). Keep a copy somewhere safe: without it the encrypted hosts' copies cannot be read."));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
