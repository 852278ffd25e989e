namespace CloudManager.Hosts;

/// <summary>How a <see cref="HostSelfTestStep"/> ended.</summary>
public enum HostSelfTestOutcome
{
    /// <summary>The host behaved as the contract says.</summary>
    Passed,

    /// <summary>The host failed or broke the contract; later steps did not run.</summary>
    Failed,

    /// <summary>Not run: the host does not support it, or an earlier step failed.</summary>
    Skipped,
}
