namespace CloudManager.Hosts.Plowshare;

/// <summary>Builds <see cref="PlowshareHost"/>s: the <c>plowshare</c> kind.</summary>
/// <remarks>
/// <code>
/// { "name": "mediafire", "kind": "plowshare", "settings": { "module": "mediafire", "uploadTimeoutSeconds": "3600" } }
/// </code>
/// Settings: <c>module</c> (required), <c>uploadExecutable</c>, <c>downloadExecutable</c>,
/// <c>probeExecutable</c>, <c>deleteExecutable</c>, <c>listExecutable</c>, <c>listUrl</c>,
/// <c>uploadTimeoutSeconds</c>, <c>downloadTimeoutSeconds</c>, <c>commandTimeoutSeconds</c>,
/// <c>tempPath</c>, <c>maxConcurrentTransfers</c> (1 to 16, default 2). Site accounts go in
/// plowshare's own config file, never here.
/// </remarks>
public sealed class PlowshareHostFactory : IStorageHostFactory
{
    /// <inheritdoc />
    public string Kind => "plowshare";

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(
            name, Kind, settings, "module", "uploadExecutable", "downloadExecutable", "probeExecutable", "deleteExecutable", "listExecutable", "listUrl",
            "uploadTimeoutSeconds", "downloadTimeoutSeconds", "commandTimeoutSeconds", "tempPath", "maxConcurrentTransfers");
        Uri? listUrl = null;
        if (read.Optional("listUrl") is { } listText && !Uri.TryCreate(listText, UriKind.Absolute, out listUrl))
        {
            throw new ArgumentException($"Host '{name}': setting 'listUrl' must be an absolute URL, not '{listText}'.", "listUrl");
        }

        var defaults = new PlowshareHostOptions();
        return new PlowshareHost(name, new PlowshareHostOptions
        {
            Module = read.Required("module"),
            UploadExecutable = read.Text("uploadExecutable", defaults.UploadExecutable),
            DownloadExecutable = read.Text("downloadExecutable", defaults.DownloadExecutable),
            ProbeExecutable = read.Text("probeExecutable", defaults.ProbeExecutable),
            DeleteExecutable = read.Optional("deleteExecutable"),
            ListExecutable = read.Optional("listExecutable"),
            ListUrl = listUrl,
            UploadTimeout = read.Seconds("uploadTimeoutSeconds", defaults.UploadTimeout),
            DownloadTimeout = read.Seconds("downloadTimeoutSeconds", defaults.DownloadTimeout),
            CommandTimeout = read.Seconds("commandTimeoutSeconds", defaults.CommandTimeout),
            TempPath = read.Optional("tempPath"),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers", defaults.MaxConcurrentTransfers, 1, 16),
        });
    }
}
