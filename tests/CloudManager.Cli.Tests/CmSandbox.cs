using System.Diagnostics;
using System.Reflection;

namespace CloudManager.Cli.Tests;

/// <summary>
/// A fresh temporary HOME and working folder in which the built cm runs as a real process, with
/// none of the caller's CM_* or XDG_* variables.
/// </summary>
internal sealed class CmSandbox : IDisposable
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(3);

    public CmSandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "cm-cli-tests", Guid.NewGuid().ToString("N"));
        Home = Path.Combine(Root, "home");
        Work = Path.Combine(Root, "work");
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Work);
    }

    public string Root { get; }

    public string Home { get; }

    public string Work { get; }

    /// <summary>Where the embedded default keeps everything.</summary>
    public string DataFolder => Path.Combine(Home, ".local", "share", "cloud-manager");

    /// <summary>Extra environment variables for every run (null removes one).</summary>
    public Dictionary<string, string?> Environment { get; } = [];

    public static string RepositoryRoot { get; } = typeof(CmSandbox).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>The cm built with this test project.</summary>
    public static string CmDll { get; } = Path.Combine(AppContext.BaseDirectory, "cm.dll");

    public static string Dotnet { get; } = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>
    /// A cm executable to run instead of the built cm.dll, from CM_TEST_EXECUTABLE: the Native AOT binary that
    /// ./cm publishes (artifacts/cm-script/built-path) runs the same tests.
    /// </summary>
    public static string? CmExecutable { get; } = System.Environment.GetEnvironmentVariable("CM_TEST_EXECUTABLE") is { Length: > 0 } path
        ? Path.GetFullPath(path)
        : null;

    /// <summary>The program that starts cm, and the arguments before cm's own.</summary>
    public static (string FileName, string[] Prefix) CmLauncher => CmExecutable is { } executable ? (executable, []) : (Dotnet, [CmDll]);

    public Task<CmResult> RunAsync(params string[] args) => RunAsync(args, stdin: null);

    public Task<CmResult> RunAsync(IEnumerable<string> args, string? stdin = null, string? workingDirectory = null) =>
        RunProcessAsync(CmLauncher.FileName, [.. CmLauncher.Prefix, .. args], stdin, workingDirectory);

    /// <summary>How to start cm with these arguments in this sandbox (see <see cref="StartInfo"/>).</summary>
    public ProcessStartInfo CmStartInfo(IEnumerable<string> args) => StartInfo(CmLauncher.FileName, [.. CmLauncher.Prefix, .. args]);

    /// <summary>Runs a command line in bash, in the working folder, with this sandbox's environment.</summary>
    public Task<CmResult> BashAsync(string script, string? workingDirectory = null) =>
        RunProcessAsync("bash", ["-c", script], null, workingDirectory);

    /// <summary>The shell command that runs this test's cm, for bash and script(1).</summary>
    public static string CmCommandLine => string.Join(' ', new[] { CmLauncher.FileName }.Concat(CmLauncher.Prefix).Select(Quote));

    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public string WriteFile(string relativePath, byte[] content)
    {
        var path = Path.Combine(Work, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string WriteFile(string relativePath, string content) => WriteFile(relativePath, System.Text.Encoding.UTF8.GetBytes(content));

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>How to start a process in this sandbox: its working folder, HOME and environment, output redirected.</summary>
    public ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? Work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // CM_BUILD stays: it tells ./cm which build to run (the tests of ./cm itself), not how cm behaves.
        foreach (var name in start.Environment.Keys.Where(k => (k.StartsWith("CM_", StringComparison.Ordinal) && k != "CM_BUILD") || k.StartsWith("XDG_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        // A fresh HOME would make dotnet look for packages there; keep using the machine's package folder.
        start.Environment["NUGET_PACKAGES"] = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        start.Environment["HOME"] = Home;
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    public async Task<CmResult> RunProcessAsync(string fileName, IEnumerable<string> args, string? stdin, string? workingDirectory)
    {
        var start = StartInfo(fileName, args, workingDirectory);
        start.RedirectStandardInput = true;
        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var readErr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {ProcessTimeout}.");
        }

        await readOut;
        return new CmResult(process.ExitCode, stdout.ToArray(), await readErr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
