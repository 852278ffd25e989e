namespace CloudManager;

/// <summary>
/// The file is known but cannot be brought into the cache: it has no copy on a configured host,
/// or every host holding one failed. <see cref="Failures"/> says what each host answered.
/// </summary>
public sealed class ContentUnavailableException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public ContentUnavailableException(ContentHash hash, IReadOnlyList<StorageHostException> failures, string message)
        : base(message, failures.Count > 0 ? new AggregateException(failures) : null)
    {
        Hash = hash;
        Failures = failures;
    }

    /// <summary>The file that could not be brought back.</summary>
    public ContentHash Hash { get; }

    /// <summary>One error per host tried, in the order they were tried.</summary>
    public IReadOnlyList<StorageHostException> Failures { get; }

    /// <summary>Transient when at least one host failed transiently.</summary>
    public override bool IsTransient => Failures.Any(f => f.IsTransient);
}
