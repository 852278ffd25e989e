using System.Collections;
using Microsoft.Extensions.Configuration;

namespace CloudManager.Gateway.Security;

/// <summary>
/// The settings with which ASP.NET Core would choose listening addresses on its own (<c>urls</c>,
/// <c>http_ports</c>, <c>https_ports</c>, <c>Kestrel:Endpoints</c>), from any source: <c>ASPNETCORE_URLS</c>,
/// <c>DOTNET_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, <c>Kestrel__Endpoints__NAME__Url</c>, an appsettings file.
/// The gateway binds none of them; it finds them to refuse or report them.
/// </summary>
internal static class AspNetEndpointSettings
{
    private static readonly string[] EnvironmentPrefixes = ["ASPNETCORE_", "DOTNET_", ""];

    /// <summary>Every such setting in <paramref name="configuration"/>, with the addresses it asks for.</summary>
    public static IReadOnlyList<EndpointSetting> Find(IConfiguration configuration)
    {
        var found = new List<EndpointSetting>();
        void Add(string key, Func<string, IEnumerable<string>> addresses)
        {
            if (configuration[key] is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value))
            {
                found.Add(new EndpointSetting(SourceOf(key), value, [.. addresses(value)]));
            }
        }

        Add("urls", value => Split(value));
        Add("http_ports", value => Split(value).Select(port => $"http://*:{port}"));
        Add("https_ports", value => Split(value).Select(port => $"https://*:{port}"));
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            // An endpoint without a Url still exists for Kestrel (it refuses it at start); name it all the same.
            var url = endpoint["Url"];
            var key = string.IsNullOrWhiteSpace(url) ? endpoint.Path : $"{endpoint.Path}:Url";
            found.Add(new EndpointSetting(SourceOf(key), url ?? "", string.IsNullOrWhiteSpace(url) ? ["(no Url)"] : [url]));
        }

        return found;
    }

    /// <summary>
    /// Where a configuration key most likely came from: the environment variable that carries it
    /// (with the <c>ASPNETCORE_</c> or <c>DOTNET_</c> prefix or none), else the app's configuration files.
    /// </summary>
    public static string SourceOf(string key)
    {
        var names = EnvironmentPrefixes.Select(prefix => prefix + key.Replace(":", "__", StringComparison.Ordinal)).ToList();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string name && names.Any(candidate => string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase)))
            {
                return $"the environment variable {name}";
            }
        }

        return $"'{key}' in the configuration (appsettings.json beside the program)";
    }

    private static IEnumerable<string> Split(string value) =>
        value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>One ASP.NET Core endpoint setting: where it came from, its text, and the addresses it asks for.</summary>
internal sealed record EndpointSetting(string Source, string Value, IReadOnlyList<string> Addresses)
{
    /// <summary>Whether any of its addresses can be reached from other machines.</summary>
    public bool IsExposed => Addresses.Any(address => !ListenAddresses.IsLocal(address));

    /// <inheritdoc/>
    public override string ToString() => $"{Source} ({Value})";
}
