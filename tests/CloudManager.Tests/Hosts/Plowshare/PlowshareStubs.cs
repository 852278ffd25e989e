using CloudManager.Hosts.Plowshare;
using CloudManager.Testing;

namespace CloudManager.Tests.Hosts.Plowshare;

/// <summary>
/// One fake file-locker site: the stub plowshare tools (kept beside this file, copied to the test
/// output) behind wrapper scripts that fix their store folder and behaviour.
/// </summary>
public sealed class PlowshareStubs
{
    public const string Module = "stubmodule";
    private static readonly string[] Tools = ["plowup", "plowdown", "plowprobe", "plowdel", "plowlist"];
    private readonly string _bin;

    /// <param name="folder">Where the site keeps files and the wrappers live.</param>
    /// <param name="mode">ok, fail, hang, junk, dead or truncate (see the stub scripts).</param>
    public PlowshareStubs(TempFolder folder, string mode = "ok")
    {
        TestServers.RequireTool("bash", "eng/services (bash is part of every Debian system)");
        var id = Guid.NewGuid().ToString("N");
        Store = folder.CreateFolder($"site-{id}");
        Downloads = folder.CreateFolder($"downloads-{id}");
        _bin = folder.CreateFolder($"bin-{id}");
        foreach (var tool in Tools)
        {
            Paths[tool] = Wrapper(tool, mode);
        }
    }

    /// <summary>The site's files: one folder per link.</summary>
    public string Store { get; }

    /// <summary>The host's temp folder for downloads.</summary>
    public string Downloads { get; }

    public Dictionary<string, string> Paths { get; } = [];

    /// <summary>A tool of this site that behaves as <paramref name="mode"/> says.</summary>
    public string Wrapper(string tool, string mode)
    {
        var stub = Path.Combine(AppContext.BaseDirectory, "Hosts", "Plowshare", "stubs", tool);
        var wrapper = Path.Combine(_bin, $"{tool}-{mode}");
        File.WriteAllText(wrapper, $"#!/bin/sh\nPLOWSTUB_STORE='{Store}' PLOWSTUB_MODE='{mode}' exec '{stub}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(stub, File.GetUnixFileMode(stub) | UnixFileMode.UserExecute);
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return wrapper;
    }

    /// <summary>Options with every tool configured: the host can delete and list.</summary>
    public PlowshareHostOptions FullOptions(TimeSpan? timeout = null) => new()
    {
        Module = Module,
        UploadExecutable = Paths["plowup"],
        DownloadExecutable = Paths["plowdown"],
        ProbeExecutable = Paths["plowprobe"],
        DeleteExecutable = Paths["plowdel"],
        ListExecutable = Paths["plowlist"],
        ListUrl = new Uri($"http://plowshare.stub/{Module}"),
        TempPath = Downloads,
        UploadTimeout = timeout ?? TimeSpan.FromMinutes(5),
        DownloadTimeout = timeout ?? TimeSpan.FromMinutes(5),
        CommandTimeout = timeout ?? TimeSpan.FromMinutes(1),
    };

    /// <summary>Options with the seed's contract only: upload, download and probe.</summary>
    public PlowshareHostOptions MinimalOptions() => new()
    {
        Module = Module,
        UploadExecutable = Paths["plowup"],
        DownloadExecutable = Paths["plowdown"],
        ProbeExecutable = Paths["plowprobe"],
        TempPath = Downloads,
    };
}
