namespace CloudManager.Hosts.Rclone;

/// <summary>Settings of an <c>rclone</c> host.</summary>
public sealed class RcloneHostOptions
{
    /// <summary>Where the copies go, in rclone's syntax: <c>remote:path</c> for a remote in the rclone config, or an on-the-fly remote such as <c>:local:/mnt/b/pool</c>.</summary>
    /// <value>Required.</value>
    public string Remote { get; set; } = "";

    /// <summary>The rclone config file that defines the remote.</summary>
    /// <value>Default null: rclone's own default (<c>~/.config/rclone/rclone.conf</c> or <c>RCLONE_CONFIG</c>).</value>
    public string? ConfigPath { get; set; }

    /// <summary>The rclone executable.</summary>
    /// <value>Default <c>rclone</c>, found on PATH.</value>
    public string Executable { get; set; } = "rclone";

    /// <summary>
    /// rclone's <c>--low-level-retries</c>: how often rclone itself repeats one failed request. Retries
    /// of whole operations belong to the resilience decorator, so rclone's own <c>--retries</c> is
    /// always 1.
    /// </summary>
    /// <value>Default 1 (no repeat, so that an unreachable remote is reported at once); 1 to 20.</value>
    public int LowLevelRetries { get; set; } = 1;

    /// <summary>How many transfers run against the remote at once.</summary>
    /// <value>Default 4; 1 to 64.</value>
    public int MaxConcurrentTransfers { get; set; } = 4;
}
