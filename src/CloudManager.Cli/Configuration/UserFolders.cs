namespace CloudManager.Cli.Configuration;

/// <summary>
/// The user's folders under the XDG base directory rules: <c>$XDG_CONFIG_HOME</c> (else
/// <c>~/.config</c>) and <c>$XDG_DATA_HOME</c> (else <c>~/.local/share</c>), each with a
/// <c>cloud-manager</c> folder for this tool.
/// </summary>
internal sealed record UserFolders(string Home, string ConfigFolder, string DataFolder)
{
    private const string AppFolder = "cloud-manager";

    /// <summary>The config file looked for last: <c>&lt;config folder&gt;/config.json</c>.</summary>
    public string ConfigFile => Path.Combine(ConfigFolder, "config.json");

    public static UserFolders From(Func<string, string?> environment)
    {
        var home = NonEmpty(environment("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        // XDG: a relative path in these variables is invalid and must be ignored.
        var configHome = Absolute(environment("XDG_CONFIG_HOME")) ?? Path.Combine(home, ".config");
        var dataHome = Absolute(environment("XDG_DATA_HOME")) ?? Path.Combine(home, ".local", "share");
        return new UserFolders(home, Path.Combine(configHome, AppFolder), Path.Combine(dataHome, AppFolder));
    }

    /// <summary>Expands a leading <c>~/</c> to the home folder.</summary>
    public string ExpandHome(string path) =>
        path == "~" ? Home
        : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Home, path[2..])
        : path;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string? Absolute(string? value) => NonEmpty(value) is { } v && Path.IsPathRooted(v) ? v : null;
}
