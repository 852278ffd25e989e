namespace CloudManager.Testing;

/// <summary>
/// Reads what <c>./test</c> exported for a server started by <c>eng/services/*.sh</c>. A missing
/// server fails the test under <c>CI=true</c> and skips it, with a reason, elsewhere.
/// </summary>
public static class TestServers
{
    public static string Require(string variable, string script)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        Unavailable($"{variable} is not set: run the tests with ./test, which starts the server with {script}.");
        return "";
    }

    /// <summary>The full path of a tool on PATH that a service script installs, e.g. <c>rclone</c>.</summary>
    public static string RequireTool(string tool, string script)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Unavailable($"'{tool}' is not on PATH: run the tests with ./test, which installs it with {script}.");
        return "";
    }

    private static void Unavailable(string message)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }
}
