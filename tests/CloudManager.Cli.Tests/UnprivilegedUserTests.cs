using System.Diagnostics;
using System.Runtime.Versioning;
using CloudManager.Testing;

namespace CloudManager.Cli.Tests;

/// <summary>
/// Machine faults only a user without root privileges meets: a source file and a cache folder that
/// user may not read (mode 000). Root reads anything whatever its mode, and the tests run as root,
/// so <c>cm</c> runs here as <c>nobody</c> (uid 65534) through <c>setpriv</c>, from a copy of its
/// build in a fresh 0755 folder that user can reach. If privileges cannot be dropped the test fails:
/// it never passes without having tried.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class UnprivilegedUserTests(ITestOutputHelper output) : IDisposable
{
    private const int Nobody = 65534;

    private const long Capacity = 10_000_000;

    private readonly CmSandbox _sandbox = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Bin => Path.Combine(_sandbox.Root, "bin");

    private string Pool => Path.Combine(_sandbox.Root, "pool");

    private string Catalog => Path.Combine(Pool, "catalog.db");

    private string Cache => Path.Combine(Pool, "cache");

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task A_source_file_and_a_cache_folder_the_user_may_not_read_end_in_clear_errors_and_a_consistent_pool()
    {
        await PrepareAsync();
        Assert.Equal($"{Nobody}", (await AsNobodyAsync("id", "-u")).Stdout.Trim());
        var setup = await AsNobodyAsync(CmSandbox.Dotnet, Path.Combine(Bin, "cm.dll"), "setup-db", Catalog);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        var uploaded = new List<string> { await UploadAsync(WritePoolFile("readable.bin", 1000)) };

        // A source file the user may not read.
        var secret = WritePoolFile("secret.bin", 1000);
        File.SetUnixFileMode(secret, UnixFileMode.None);
        var refused = await CmAsNobodyAsync("upload", secret);
        output.WriteLine($"unreadable source: exit {refused.ExitCode}: {refused.Stderr.Trim()}");
        Assert.Equal(ExitCodes.Failed, refused.ExitCode);
        Assert.Contains($"Cannot read '{secret}': permission denied", refused.Stderr, StringComparison.Ordinal);

        // A cache folder the user may not enter: refused at once, not taken for another process's lock.
        File.SetUnixFileMode(Cache, UnixFileMode.None);
        var pending = WritePoolFile("pending.bin", 1000);
        var stopwatch = Stopwatch.StartNew();
        var locked = await CmAsNobodyAsync("upload", pending);
        output.WriteLine($"unreadable cache folder, after {stopwatch.Elapsed.TotalSeconds:F1} s: exit {locked.ExitCode}: {locked.Stderr.Trim()}");
        Assert.Equal(ExitCodes.Failed, locked.ExitCode);
        Assert.Contains($"cache folder {Cache}", locked.Stderr, StringComparison.Ordinal);
        Assert.Contains("permission denied", locked.Stderr, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60), "a cache folder the user may not enter was waited on like a lock");

        // Once the modes are right again, the same uploads succeed.
        File.SetUnixFileMode(Cache, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        uploaded.Add(await UploadAsync(pending));
        uploaded.Add(await UploadAsync(secret));

        var report = await PoolInvariants.CheckAsync(new PoolUnderCheck(Catalog, Cache, new Dictionary<string, string>(), Capacity) { ReportedUploads = uploaded }, Token);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(3, report.CatalogFiles);
    }

    /// <summary>The copy of cm and the pool's folder, owned by nobody, under the sandbox's 0755 root.</summary>
    private async Task PrepareAsync()
    {
        var readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        for (var folder = _sandbox.Root; folder != Path.GetTempPath().TrimEnd('/') && folder.Length > 1; folder = Path.GetDirectoryName(folder)!)
        {
            File.SetUnixFileMode(folder, readable);
        }

        CopyFolder(AppContext.BaseDirectory, Bin);
        Directory.CreateDirectory(Path.Combine(Pool, "home"));
        Directory.CreateDirectory(Cache);
        var chown = await _sandbox.RunProcessAsync("chown", ["-R", $"{Nobody}:{Nobody}", Pool], null, null);
        Assert.True(chown.ExitCode == 0, chown.Stderr);
    }

    private string WritePoolFile(string name, int length)
    {
        var path = Path.Combine(Pool, name);
        File.WriteAllBytes(path, CmSandbox.RandomBytes(length));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var chown = Process.Start("chown", [$"{Nobody}:{Nobody}", path]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
        return path;
    }

    private async Task<string> UploadAsync(string path)
    {
        var result = await CmAsNobodyAsync("upload", path);
        Assert.True(result.ExitCode == 0, $"upload of {path} as nobody: exit {result.ExitCode}: {result.Stderr}");
        return result.Stdout.Split(' ', 2)[0];
    }

    private Task<CmResult> CmAsNobodyAsync(params string[] args) =>
        AsNobodyAsync([CmSandbox.Dotnet, Path.Combine(Bin, "cm.dll"), "--db", Catalog, "--storage", Cache, "--capacity", $"{Capacity}", .. args]);

    private Task<CmResult> AsNobodyAsync(params string[] command)
    {
        _sandbox.Environment["HOME"] = Path.Combine(Pool, "home");
        return _sandbox.RunProcessAsync("setpriv", [$"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--", .. command], null, Pool);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var folder in Directory.EnumerateDirectories(from))
        {
            CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }
}
