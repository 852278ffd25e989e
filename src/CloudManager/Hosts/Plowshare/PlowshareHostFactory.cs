namespace CloudManager.Hosts.Plowshare;

/// <summary>Builds <see cref="PlowshareHost"/>s: the <c>plowshare</c> kind.</summary>
/// <remarks>
/// <code>
/// { "name": "mediafire", "kind": "plowshare", "settings": { "module": "mediafire", "uploadTimeoutSeconds": "3600" } }
/// </code>
/// Settings: see <see cref="Options"/>. Site accounts go in plowshare's own config file, never here.
/// </remarks>
public sealed class PlowshareHostFactory : IStorageHostFactory
{
    private static readonly PlowshareHostOptions Defaults = new();

    /// <inheritdoc />
    public string Kind => "plowshare";

    /// <inheritdoc />
    public IReadOnlyList<HostOption> Options { get; } =
    [
        new("module", "The plowshare module, which names the file-locker site (for example mediafire).", Required: true),
        new("account", "The name of the site account the uploads go to, as set up in plowshare's config (a name only, never a password); it tells two hosts on one site apart. Without it, anonymous."),
        new("uploadExecutable", "The upload tool, found on PATH unless a path is given.", Defaults.UploadExecutable),
        new("downloadExecutable", "The download tool.", Defaults.DownloadExecutable),
        new("probeExecutable", "The tool that checks that a link is alive.", Defaults.ProbeExecutable),
        new("deleteExecutable", "The delete tool (plowdel); without it the host cannot delete."),
        new("listExecutable", "The folder-listing tool (plowlist), which needs listUrl; without it the host cannot list."),
        new("listUrl", "The shared folder uploads land in, which listExecutable reads."),
        HostOption.Seconds("uploadTimeoutSeconds", "How long one upload may take before the tool is killed and the host counts as unavailable.", Defaults.UploadTimeout),
        HostOption.Seconds("downloadTimeoutSeconds", "How long one download may take.", Defaults.DownloadTimeout),
        HostOption.Seconds("commandTimeoutSeconds", "How long a probe, a delete or a listing may take.", Defaults.CommandTimeout),
        new("tempPath", "Where downloads land before they are read (a private folder per download); without it, the system's temp folder."),
        HostOption.WholeNumber(
            "maxConcurrentTransfers", "How many transfers run against the site at once (file lockers throttle parallel sessions).", Defaults.MaxConcurrentTransfers, 1, 16),
    ];

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(name, Kind, settings, Options);
        Uri? listUrl = null;
        if (read.Optional("listUrl") is { } listText && !Uri.TryCreate(listText, UriKind.Absolute, out listUrl))
        {
            throw new ArgumentException($"Host '{name}': setting 'listUrl' must be an absolute URL, not '{listText}'.", "listUrl");
        }

        return new PlowshareHost(name, new PlowshareHostOptions
        {
            Module = read.Required("module"),
            Account = read.Optional("account"),
            UploadExecutable = read.Text("uploadExecutable"),
            DownloadExecutable = read.Text("downloadExecutable"),
            ProbeExecutable = read.Text("probeExecutable"),
            DeleteExecutable = read.Optional("deleteExecutable"),
            ListExecutable = read.Optional("listExecutable"),
            ListUrl = listUrl,
            UploadTimeout = read.Seconds("uploadTimeoutSeconds"),
            DownloadTimeout = read.Seconds("downloadTimeoutSeconds"),
            CommandTimeout = read.Seconds("commandTimeoutSeconds"),
            TempPath = read.Optional("tempPath"),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers"),
        });
    }
}
