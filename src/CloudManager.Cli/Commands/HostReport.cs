using CloudManager.Catalog;
using CloudManager.Cli.Hosts;
using CloudManager.Hosts;

namespace CloudManager.Cli.Commands;

/// <summary>What <c>cm hosts</c> and <c>cm status</c> show about each host (as <see cref="Output.Results.HostResult"/>).</summary>
internal sealed record HostReport(
    string Name, string Kind, IReadOnlyList<KeyValuePair<string, string>> Settings, HostHealth History, long Copies, string? ProbeError, string Health)
{
    /// <summary>Whether the host keeps a journal of the files it holds (what <c>cm recover</c> reads); plowshare lockers do not.</summary>
    public bool Journal { get; init; } = true;

    /// <summary>Each configured host with its settings (secrets redacted), the pool's status of it and a probe made now.</summary>
    public static async Task<IReadOnlyList<HostReport>> GatherAsync(
        CloudPool pool, PoolStatus status, IReadOnlyList<HostDefinition> definitions, HostRegistry registry, CancellationToken cancellationToken)
    {
        var rows = new List<HostReport>();
        foreach (var (host, state) in pool.Hosts.Zip(status.Hosts))
        {
            var definition = definitions.First(d => d.Name == host.Name);
            var secrets = registry.Options(definition)
                .Where(s => s.Secret).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            var settings = definition.Settings
                .OrderBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => KeyValuePair.Create(s.Key, secrets.Contains(s.Key) ? HostsCommand.Redacted : s.Value))
                .ToList();
            if (definition.Encryption is { } encryption)
            {
                // Where the key is, never the key.
                settings.Add(KeyValuePair.Create("encryption", encryption.Describe()));
            }

            var probeError = await HostProbe.ProbeAsync(host, cancellationToken);
            rows.Add(new HostReport(host.Name, host.Kind, settings, state.History, state.Copies, probeError, state.Condition(probeError is null))
            {
                Journal = host.Capabilities.StoresMetadata && host.Capabilities.CanList,
            });
        }

        return rows;
    }
}
