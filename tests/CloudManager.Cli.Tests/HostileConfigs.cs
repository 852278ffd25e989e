namespace CloudManager.Cli.Tests;

/// <summary>
/// Hand-written config files holding text no setting can hold (unpaired surrogate escapes, NUL in a
/// path), each with the problem the usage error must name. The tests read each; the fuzzer starts from them.
/// </summary>
public static class HostileConfigs
{
    /// <summary>Each config file's text with the problem its error names.</summary>
    public static IReadOnlyList<(string Config, string Problem)> All { get; } =
    [
        ("""{ "\udc00hosts": [] }""", "invalid escape"),
        ("""{ "catalog": "\ud800catalog.db" }""", "invalid escape"),
        ("""{ "gateway": { "\ud800syncInterval": 30 } }""", "invalid escape"),
        ("""{ "hosts": [ { "\udc00name": "h", "kind": "directory" } ] }""", "invalid escape"),
        ("""{ "cache": "\u0000" }""", "NUL"),
        ("""{ "catalog": "a\u0000.db" }""", "NUL"),
        ("""{ "hosts": [ { "name": "h", "kind": "directory", "settings": { "path": "\u0000" } } ] }""", "NUL"),
    ];
}
