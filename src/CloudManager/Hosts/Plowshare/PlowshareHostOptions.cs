namespace CloudManager.Hosts.Plowshare;

/// <summary>Settings of a <c>plowshare</c> host.</summary>
public sealed class PlowshareHostOptions
{
    /// <summary>The plowshare module, which names the file-locker site (for example <c>mediafire</c>).</summary>
    /// <value>Required.</value>
    public string Module { get; set; } = "";

    /// <summary>
    /// The name of the site account this host uploads to, as set up in plowshare's own config; only
    /// the name, never a password. It tells two hosts on one site apart: a locker stores no identity
    /// marker, so its identity is derived from the module and this name.
    /// </summary>
    /// <value>Default null: <c>anonymous</c>.</value>
    public string? Account { get; set; }

    /// <summary>The upload tool, run as <c>plowup MODULE FILE:NAME</c>; the URL is the last word it prints.</summary>
    /// <value>Default <c>plowup</c>, found on PATH.</value>
    public string UploadExecutable { get; set; } = "plowup";

    /// <summary>The download tool, run as <c>plowdown URL -o DIR --temp-rename</c>.</summary>
    /// <value>Default <c>plowdown</c>.</value>
    public string DownloadExecutable { get; set; } = "plowdown";

    /// <summary>The link checker, run as <c>plowprobe --printf %s%n URL</c>: exit code 0 for a live link, 13 for a dead one.</summary>
    /// <value>Default <c>plowprobe</c>.</value>
    public string ProbeExecutable { get; set; } = "plowprobe";

    /// <summary>The delete tool, run as <c>plowdel URL</c>. Most sites need an account for it, set in plowshare's own config.</summary>
    /// <value>Default null: the host cannot delete (<see cref="HostCapabilities.CanDelete"/> is false).</value>
    public string? DeleteExecutable { get; set; }

    /// <summary>The folder-listing tool, run as <c>plowlist --printf '%f %u%n' LISTURL</c>; needs <see cref="ListUrl"/>.</summary>
    /// <value>Default null: the host cannot list (<see cref="HostCapabilities.CanList"/> is false).</value>
    public string? ListExecutable { get; set; }

    /// <summary>The shared folder that uploads land in, for <see cref="ListExecutable"/>.</summary>
    /// <value>Default null.</value>
    public Uri? ListUrl { get; set; }

    /// <summary>How long one upload may take before the tool is killed and the host counts as unavailable.</summary>
    /// <value>Default 2 hours; more than zero.</value>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long one download may take.</summary>
    /// <value>Default 2 hours; more than zero.</value>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long a probe, a delete or a listing may take.</summary>
    /// <value>Default 2 minutes; more than zero.</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The folder under which downloads land before they are read; each download gets a private sub-folder, deleted when its stream is disposed.</summary>
    /// <value>Default null: <c>cloud-manager-plowshare</c> in the system temp folder.</value>
    public string? TempPath { get; set; }

    /// <summary>How many transfers run against the site at once.</summary>
    /// <value>Default 2; 1 to 16 (file lockers throttle parallel sessions).</value>
    public int MaxConcurrentTransfers { get; set; } = 2;
}
