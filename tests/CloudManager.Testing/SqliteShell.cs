using System.Diagnostics;

namespace CloudManager.Testing;

/// <summary>
/// The <c>sqlite3</c> command-line shell as another process that uses a catalog file
/// (<c>eng/services/sqlite3.sh</c> installs it and names it in <c>POOL_TEST_SQLITE3</c>).
/// </summary>
public static class SqliteShell
{
    /// <summary>Starts a shell that holds an exclusive transaction on the file until disposed.</summary>
    public static IDisposable HoldExclusiveTransaction(string database)
    {
        var process = Start(database);
        process.StandardInput.WriteLine("BEGIN EXCLUSIVE;");
        process.StandardInput.WriteLine("SELECT 'locked';");
        process.StandardInput.Flush();
        var line = process.StandardOutput.ReadLine();
        if (line != "locked")
        {
            process.Kill();
            throw new InvalidOperationException($"sqlite3 did not take the lock: {line} {process.StandardError.ReadToEnd()}");
        }

        return new Holder(process);
    }

    /// <summary>Runs one statement and returns its output.</summary>
    public static string Query(string database, string sql)
    {
        using var process = Start(database);
        process.StandardInput.WriteLine(sql);
        process.StandardInput.Close();
        var result = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return result;
    }

    private static Process Start(string database)
    {
        var shell = Environment.GetEnvironmentVariable("POOL_TEST_SQLITE3") is { Length: > 0 } path
            ? path
            : TestServers.RequireTool("sqlite3", "eng/services/sqlite3.sh");
        var start = new ProcessStartInfo(shell) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(database);
        return Process.Start(start)!;
    }

    private sealed class Holder(Process process) : IDisposable
    {
        public void Dispose()
        {
            // End of input: the shell exits and its open transaction is rolled back.
            process.StandardInput.Close();
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
            }

            process.Dispose();
        }
    }
}
