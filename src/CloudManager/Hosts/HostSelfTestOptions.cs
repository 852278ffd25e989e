namespace CloudManager.Hosts;

/// <summary>Settings of a <see cref="HostSelfTest"/> run.</summary>
public sealed class HostSelfTestOptions
{
    /// <summary>How large the test file is.</summary>
    /// <value>Default 1 MiB; 0 to 1 GiB.</value>
    public long ContentLength { get; set; } = 1 << 20;

    /// <summary>How long each step may take before it counts as failed.</summary>
    /// <value>Default 2 minutes; more than zero.</value>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Where the test file is written before upload and deleted after.</summary>
    /// <value>Default null: the system temp folder.</value>
    public string? TempPath { get; set; }

    /// <summary>The clock for timings.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
