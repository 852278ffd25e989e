namespace CloudManager.Hosts.Resilience;

/// <summary>Time limits and retries of a <see cref="ResilientStorageHost"/>.</summary>
public sealed class ResilientStorageHostOptions
{
    /// <summary>How long one attempt of a presence check, a delete, opening a read, reading or writing the identity marker, or one step of a listing may take.</summary>
    /// <value>Default 30 seconds; more than zero.</value>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one upload attempt may take on top of the time the file needs at <see cref="MinimumBytesPerSecond"/>.</summary>
    /// <value>Default 1 minute; more than zero.</value>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The slowest transfer rate that still counts as working: an upload of N bytes may take <see cref="UploadTimeout"/> + N / this.</summary>
    /// <value>Default 256 KiB/s; at least 1.</value>
    public long MinimumBytesPerSecond { get; set; } = 256 * 1024;

    /// <summary>How long a read from a download stream may wait for data before the host counts as hung.</summary>
    /// <value>Default 1 minute; more than zero.</value>
    public TimeSpan ReadIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many times an operation that failed transiently (unavailable, timed out) is tried again.</summary>
    /// <value>Default 3; 0 to 10. Not-found, integrity errors, refusals and unsupported operations are never retried.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The wait before the first retry; it doubles with each retry, with random jitter.</summary>
    /// <value>Default 1 second; zero or more.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts.</summary>
    /// <value>Default 30 seconds; at least <see cref="RetryDelay"/>.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock for timeouts and retry delays.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(OperationTimeout, TimeSpan.Zero, nameof(OperationTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(UploadTimeout, TimeSpan.Zero, nameof(UploadTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReadIdleTimeout, TimeSpan.Zero, nameof(ReadIdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumBytesPerSecond, 1, nameof(MinimumBytesPerSecond));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetryAttempts, nameof(MaxRetryAttempts));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRetryAttempts, 10, nameof(MaxRetryAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryDelay, nameof(MaxRetryDelay));
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
