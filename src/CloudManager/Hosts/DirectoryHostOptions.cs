namespace CloudManager.Hosts;

/// <summary>Settings of a <c>directory</c> host.</summary>
public sealed class DirectoryHostOptions
{
    /// <summary>The folder that holds the copies.</summary>
    /// <value>Required. The folder must exist: a missing folder (an unmounted disk) makes the host unavailable rather than filling the mount point.</value>
    public string Path { get; set; } = "";

    /// <summary>How many transfers run against the folder at once.</summary>
    /// <value>Default 4; 1 to 64.</value>
    public int MaxConcurrentTransfers { get; set; } = 4;
}
