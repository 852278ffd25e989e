using System.Globalization;
using System.Text;
using System.Text.Json;
using CloudManager.Cli.Hosts;

namespace CloudManager.Cli.Configuration;

/// <summary>The commented config file <c>cm init</c> writes: the embedded default spelled out, ready to edit.</summary>
internal static class StarterConfig
{
    public static string Render(string catalog, string cache, long capacity, IReadOnlyList<HostDefinition> hosts)
    {
        var defaults = new CloudPoolOptions();
        var text = new StringBuilder();
        text.AppendLine("// cloud-manager configuration, read by `cm`. Comments and trailing commas are allowed;");
        text.AppendLine("// an unknown key is an error. Environment variables override these settings:");
        text.AppendLine(CultureInfo.InvariantCulture, $"// {EnvironmentNames.Database}, {EnvironmentNames.Storage}, {EnvironmentNames.Capacity}, {EnvironmentNames.MaxFill}, {EnvironmentNames.EvictionPolicy}, {EnvironmentNames.Redundancy},");
        text.AppendLine(CultureInfo.InvariantCulture, $"// {EnvironmentNames.MinCopies}, {EnvironmentNames.NodeId}, and {EnvironmentNames.HostSettingPattern} for one host's setting.");
        text.AppendLine("// Secrets (passwords, keys) come only from environment variables, never from this file.");
        text.AppendLine("{");
        text.AppendLine("  // The catalog: a SQLite file (create it with `cm setup-db PATH`). Relative paths are relative to this file.");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Key(nameof(ConfigDocument.Catalog))}: {Quote(catalog)},");
        text.AppendLine("  // The cache folder, and how much it may hold: 20GiB, 512MB, 1.5TB or bytes.");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Key(nameof(ConfigDocument.Cache))}: {Quote(cache)},");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Key(nameof(ConfigDocument.Capacity))}: {Quote(CapacityText(capacity))},");
        text.AppendLine("  // The share of the capacity the cache may fill (0 to 1).");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Key(nameof(ConfigDocument.MaxFill))}: {defaults.MaxFill.ToString(CultureInfo.InvariantCulture)},");
        text.AppendLine("  // Which cached files leave first: lfu (fewest uses, remembering evicted files), gdsf (size, frequency and age), lru, or size (largest first).");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Key(nameof(ConfigDocument.EvictionPolicy))}: {Quote(defaults.EvictionPolicy.Name)},");
        text.AppendLine("  // How many hosts receive each file, and how many must hold it before it is safe (evictable, exportable).");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Key(nameof(ConfigDocument.Redundancy))}: {defaults.Redundancy},");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Key(nameof(ConfigDocument.MinCopies))}: {defaults.MinCopies},");
        text.AppendLine("  // This node's id; by default a random id kept in the cache folder.");
        text.AppendLine("  // \"nodeId\": \"node-a\",");
        text.AppendLine("  // The storage hosts. Kind \"directory\": a local or mounted folder, which must exist.");
        text.AppendLine("  // Each kind's settings (* required; `cm hosts --help` says what each means):");
        foreach (var kind in CliHosts.Registry.Kinds)
        {
            var options = CliHosts.Registry.Options("example", kind).Select(o => o.Required ? o.Name + "*" : o.Name);
            text.AppendLine(CultureInfo.InvariantCulture, $"  //   {kind}: {string.Join(", ", options)}");
        }

        text.AppendLine("  \"hosts\": [");
        for (var i = 0; i < hosts.Count; i++)
        {
            var host = hosts[i];
            var settings = string.Join(", ", host.Settings.Select(s => $"{Quote(s.Key)}: {Quote(s.Value)}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"    {{ \"name\": {Quote(host.Name)}, \"kind\": {Quote(host.Kind)}, \"settings\": {{ {settings} }} }}{(i < hosts.Count - 1 ? "," : "")}");
        }

        text.AppendLine("  ]");
        text.AppendLine("}");
        return text.ToString();
    }

    private static string Key(string property) => Quote(ConfigJson.KeyOf(property));

    private static string Quote(string value) => $"\"{JsonEncodedText.Encode(value)}\"";

    private static string CapacityText(long bytes)
    {
        foreach (var (unit, factor) in new[] { ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10) })
        {
            if (bytes % factor == 0)
            {
                return (bytes / factor).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
