using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CloudManager.Cli.Configuration;
using CloudManager.Cli.Hosts;
using CloudManager.Testing;

namespace CloudManager.Cli.Tests;

/// <summary>
/// The bad-input campaign for the config file: seeded mutations of valid config files, each read and
/// resolved as <c>cm</c> does at start-up and its hosts created. Every case must end in settings or a
/// <see cref="CliException"/> (a usage error naming the key), never another exception. CI runs
/// 2,000 cases; a long run is <c>CM_FUZZ_CONFIG_CASES=1000000 CM_FUZZ_SEED=7 dotnet test tests/CloudManager.Cli.Tests --filter ConfigFuzzTests</c>.
/// </summary>
public sealed class ConfigFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int DefaultCases = 2_000;

    private static readonly string[] Kinds = ["directory", "directory", "webdav", "plowshare", "rclone", "nope"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "cm-config-fuzz-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Mutated_config_files_resolve_or_fail_with_a_usage_error()
    {
        var cases = EnvironmentNumber("CM_FUZZ_CONFIG_CASES", DefaultCases);
        var seed = EnvironmentNumber("CM_FUZZ_SEED", 20261127);
        var random = new Random(seed);
        var mutator = new JsonMutator(random, () => ValidHost(random), () => ValidConfig(random).ToJsonString());
        var work = Path.Combine(_root, "work");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(Path.Combine(_root, "home"));
        var configPath = Path.Combine(work, SettingsResolver.LocalConfigFileName);
        var resolver = new SettingsResolver(name => name == "HOME" ? Path.Combine(_root, "home") : null, work, CliHosts.Registry);
        var failures = new List<string>();
        long resolved = 0, refused = 0, hostsCreated = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < cases && failures.Count < 10; i++)
        {
            var config = ValidConfig(random);
            var structural = random.Next(4);
            for (var m = 0; m < structural; m++)
            {
                if (mutator.PickNode(config) is { } target)
                {
                    mutator.ReplaceOrDrop(target);
                }
            }

            var text = config.ToJsonString();
            if (random.Next(10) < 3)
            {
                text = mutator.MutateText(text);
            }

            // A config file is bytes: lone surrogates become replacement characters, and now and then a
            // flipped bit makes the file invalid UTF-8.
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            if (bytes.Length > 0 && random.Next(10) == 0)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            File.WriteAllBytes(configPath, bytes);
            try
            {
                var settings = resolver.Resolve(new CommandLineOverrides(null, null, null, null));
                foreach (var host in settings.Hosts)
                {
                    await CliHosts.Registry.Create(host).DisposeAsync();
                    hostsCreated++;
                }

                resolved++;
            }
            catch (CliException)
            {
                refused++;
            }
#pragma warning disable CA1031 // The campaign records every other exception as a finding instead of stopping at the first.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add($"case {i}: {e.GetType().Name}: {e.Message}: {(text.Length > 400 ? text[..400] : text)}");
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}: {resolved + refused} of {cases} cases in {stopwatch.Elapsed.TotalSeconds:F1} s; {resolved} resolved ({hostsCreated} hosts created), {refused} refused; {failures.Count} failures"));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(resolved > cases / 50, $"only {resolved} of {cases} configs resolved: the mutator no longer reaches the resolver");
    }

    public static TheoryData<string, string> HostileCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (config, problem) in HostileConfigs.All)
        {
            data.Add(config, problem);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileCases))]
    public void Text_no_setting_can_hold_is_a_usage_error_that_says_where(string config, string problem)
    {
        var work = Path.Combine(_root, "work");
        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(work, SettingsResolver.LocalConfigFileName), config);
        var resolver = new SettingsResolver(name => name == "HOME" ? _root : null, work, CliHosts.Registry);

        var error = Assert.Throws<CliException>(() => resolver.Resolve(new CommandLineOverrides(null, null, null, null)));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains(SettingsResolver.LocalConfigFileName, error.Message, StringComparison.Ordinal);
    }

    private JsonObject ValidConfig(Random random)
    {
        var config = new JsonObject();
        if (random.Next(2) == 0)
        {
            config["catalog"] = random.Next(2) == 0 ? "catalog.db" : "sqlite://" + Path.Combine(_root, "c.db");
        }

        if (random.Next(2) == 0)
        {
            config["cache"] = random.Next(2) == 0 ? "cache" : "~/cache";
        }

        if (random.Next(2) == 0)
        {
            config["capacity"] = random.Next(3) switch { 0 => "20GiB", 1 => (JsonNode)1_000_000, _ => "512 MB" };
        }

        if (random.Next(3) == 0)
        {
            config["maxFill"] = 0.5 + (random.Next(50) / 100.0);
        }

        if (random.Next(3) == 0)
        {
            config["evictionPolicy"] = random.Next(2) == 0 ? "lru" : "gdsf";
        }

        if (random.Next(3) == 0)
        {
            config["redundancy"] = 3;
            config["minCopies"] = 1 + random.Next(3);
        }

        if (random.Next(4) == 0)
        {
            config["nodeId"] = "node-" + random.Next(100);
        }

        var hosts = new JsonArray();
        var count = random.Next(4);
        for (var i = 0; i < count; i++)
        {
            hosts.Add(ValidHost(random));
        }

        config["hosts"] = hosts;
        if (random.Next(3) == 0)
        {
            config["gateway"] = new JsonObject
            {
                ["urls"] = random.Next(2) == 0 ? "http://127.0.0.1:8080" : new JsonArray("http://127.0.0.1:8080", "http://[::1]:8081"),
                ["maxUploadSize"] = "1GiB",
                ["maxSyncLoadSize"] = 16 << 20,
                ["syncInterval"] = random.Next(2) == 0 ? "5m" : (JsonNode)30,
                ["maxConnections"] = 100,
                ["memoryCache"] = random.Next(2) == 0 ? "16MiB" : (JsonNode)0,
            };
        }

        return config;
    }

    private JsonNode ValidHost(Random random)
    {
        var name = "host-" + random.Next(1000).ToString(CultureInfo.InvariantCulture);
        var kind = Kinds[random.Next(Kinds.Length)];
        var settings = kind == "directory"
            ? new JsonObject { ["path"] = Path.Combine(_root, "hosts", name), ["maxConcurrentTransfers"] = random.Next(1, 8) }
            : new JsonObject { ["url"] = "http://127.0.0.1:9/dav", ["remote"] = "r:", ["module"] = "x" };
        return new JsonObject { ["name"] = name, ["kind"] = kind, ["settings"] = settings };
    }

    private static int EnvironmentNumber(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
