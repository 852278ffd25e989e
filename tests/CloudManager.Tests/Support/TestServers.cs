namespace CloudManager.Tests.Support;

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

        var message = $"{variable} is not set: run the tests with ./test, which starts the server with {script}.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return "";
    }
}
