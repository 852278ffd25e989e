namespace CloudManager;

/// <summary>
/// The configured hosts cannot be used as they are: two of them are one place (the same identity, or
/// one folder inside the other), or a host is inside the pool's own folders. Nothing was written.
/// </summary>
public sealed class HostConfigurationException : CloudPoolException
{
    /// <summary>Creates the error from the conflicts found, each naming both sides.</summary>
    public HostConfigurationException(IReadOnlyList<string> conflicts)
        : base(string.Join(Environment.NewLine, conflicts ?? throw new ArgumentNullException(nameof(conflicts))))
    {
        Conflicts = conflicts;
    }

    /// <summary>One message per conflict, naming both sides and what to do.</summary>
    public IReadOnlyList<string> Conflicts { get; }
}
