using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CloudManager.Gateway.Tests.Support;

/// <summary>
/// <c>cm serve</c> as a real process (the cm built with these tests), with a config file in a temp
/// folder and none of the caller's CM_* variables; its address is read from the first line of stdout.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ServeProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static string CmDll { get; } = Path.Combine(AppContext.BaseDirectory, "cm.dll");

    /// <summary>Runs cm to completion (for setup-db and refused starts).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(environment, args))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>cm --config CONFIG serve --urls http://127.0.0.1:0 [ARGS]</c> and waits for its address.</summary>
    public static async Task<ServeProcess> StartAsync(string configPath, IReadOnlyDictionary<string, string> environment, params string[] serveArgs)
    {
        var process = Process.Start(StartInfo(environment, ["--config", configPath, "serve", "--urls", "http://127.0.0.1:0", .. serveArgs]))!;
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("cm serve printed no address within a minute.");
        }

        if (line is null || !Uri.TryCreate(line, UriKind.Absolute, out var address))
        {
            await process.WaitForExitAsync();
            throw new InvalidOperationException($"cm serve did not start (exit {process.ExitCode}): {line} {await process.StandardError.ReadToEndAsync()}");
        }

        return new ServeProcess(process, address);
    }

    /// <summary>The dashboard address with the token that <c>cm serve</c> prints on stderr when it made one, waiting up to 30 s for it.</summary>
    public async Task<Uri> DashboardUrlAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var line = Stderr.Split('\n').FirstOrDefault(l => l.Contains("open the dashboard at ", StringComparison.Ordinal));
            if (line is not null)
            {
                var text = line[(line.IndexOf("open the dashboard at ", StringComparison.Ordinal) + "open the dashboard at ".Length)..].Split(' ')[0];
                return new Uri(text);
            }

            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new InvalidOperationException($"cm serve printed no dashboard address with a token: {Stderr}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The process's resident memory now and at its peak (VmRSS, VmHWM), in bytes.</summary>
    public (long Current, long Peak) Memory()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        long Read(string key) => long.Parse(status.Single(l => l.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return (Read("VmRSS:"), Read("VmHWM:"));
    }

    /// <summary>Sends SIGTERM, as a service manager would, and waits for the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        // CM_TEST_EXECUTABLE names a cm binary to test instead (the Native AOT build ./cm publishes).
        var executable = Environment.GetEnvironmentVariable("CM_TEST_EXECUTABLE") is { Length: > 0 } path ? Path.GetFullPath(path) : null;
        var start = new ProcessStartInfo(executable ?? (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (executable is null)
        {
            start.ArgumentList.Add(CmDll);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("CM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }
}
