using System.Text;
using CloudManager.Cli;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Hosts;
using CloudManager.Cli.Tests;

namespace CloudManager.Fuzz;

/// <summary>
/// The config file as <c>cm</c> reads it at start-up: the bytes are written as
/// <c>./cloudmanager.json</c>, read and resolved by <see cref="SettingsResolver"/>, and every host it
/// names is created and disposed. It must end in settings or a <see cref="CliException"/> (a usage
/// error naming the file), never another exception.
/// </summary>
internal sealed class ConfigTarget : IFuzzTarget, IDisposable
{
    private readonly string _root;
    private readonly string _work;
    private readonly SettingsResolver _resolver;

    public ConfigTarget()
    {
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _root = Directory.CreateDirectory(Path.Combine(parent, "cm-fuzz-config-" + Guid.NewGuid().ToString("N"))).FullName;
        _work = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;
        var home = Directory.CreateDirectory(Path.Combine(_root, "home")).FullName;
        // No other environment: the file alone decides, as for a user with no CM_ variables.
        _resolver = new SettingsResolver(name => name == "HOME" ? home : null, _work, CliHosts.Registry);
    }

    public string Name => "config";

    public string Run(Stream input)
    {
        using (var file = File.Create(Path.Combine(_work, SettingsResolver.LocalConfigFileName)))
        {
            input.CopyTo(file);
        }

        try
        {
            var settings = _resolver.Resolve(new CommandLineOverrides(null, null, null, null));
            // A host's settings are checked when cm creates it (a bad number, an unknown key): also a usage error.
            foreach (var host in settings.Hosts)
            {
                CliHosts.Registry.Create(host).DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return $"resolved: {settings.Hosts.Count} host(s)";
        }
        catch (CliException e)
        {
            return "refused: " + e.Message;
        }
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var hostFolder = Path.Combine(_root, "host-a");
        HostDefinition[] hosts =
        [
            new("host-a", "directory", new Dictionary<string, string> { ["path"] = hostFolder, ["maxConcurrentTransfers"] = "4" }, "seed"),
            new("dav", "webdav", new Dictionary<string, string> { ["url"] = "http://127.0.0.1:9/dav" }, "seed"),
            new("s3", "s3", new Dictionary<string, string> { ["bucket"] = "b", ["endpoint"] = "http://127.0.0.1:9" }, "seed"),
        ];
        yield return ("starter.json", Encoding.UTF8.GetBytes(StarterConfig.Render("catalog.db", "~/cache", 20L << 30, hosts)));
        yield return ("starter-no-hosts.json", Encoding.UTF8.GetBytes(StarterConfig.Render("sqlite:///tmp/c.db", "cache", 1_000_000, [])));
        yield return ("gateway.json", Encoding.UTF8.GetBytes(
            """{"catalog":"c.db","capacity":"512 MB","maxFill":0.9,"evictionPolicy":"gdsf","redundancy":3,"minCopies":2,"nodeId":"node-1","hosts":[],"gateway":{"urls":["http://127.0.0.1:8080","http://[::1]:8081"],"maxUploadSize":"1GiB","maxSyncLoadSize":16777216,"syncInterval":"5m","maxConnections":100}}"""));
        yield return ("postgres.json", Encoding.UTF8.GetBytes("""{"catalog":"postgresql://u@127.0.0.1:5432/pool","cache":"~/c","capacity":1000000,"hosts":[]}"""));
        var index = 0;
        foreach (var (config, _) in HostileConfigs.All)
        {
            yield return ($"hostile-{index++:D2}.json", Encoding.UTF8.GetBytes(config));
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
