namespace CloudManager.Hosts;

/// <summary>What a <see cref="HostSelfTest"/> found.</summary>
/// <param name="HostName">The host tested.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Steps">Every step, in order.</param>
public sealed record HostSelfTestReport(string HostName, string Kind, IReadOnlyList<HostSelfTestStep> Steps)
{
    /// <summary>Whether no step failed.</summary>
    public bool Passed => Steps.All(s => s.Outcome != HostSelfTestOutcome.Failed);
}
