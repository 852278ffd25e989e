namespace CloudManager.Cli;

/// <summary>
/// The one table of process exit codes. Scripts rely on these numbers: never renumber, only add.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done; for <c>exists</c> and <c>on-cache</c>: yes.</summary>
    public const int Ok = 0;

    /// <summary>No, or not found: the answer of <c>exists</c>/<c>on-cache</c>, an unknown hash, a missing input file, a file that is not cached.</summary>
    public const int NotFound = 1;

    /// <summary>The command line, an option value, an environment variable or the config file is wrong.</summary>
    public const int Usage = 2;

    /// <summary>Any other failure: the catalog is missing or broken, an I/O error, an operation refused (overwrite, evicting an unsafe file).</summary>
    public const int Failed = 3;

    /// <summary>The cache is full: the file is larger than the cache allows, or nothing can be evicted to make room.</summary>
    public const int CacheFull = 4;

    /// <summary>A storage host could not be reached or could not deliver; trying again later may work.</summary>
    public const int HostUnreachable = 5;

    /// <summary>Data is invalid: sync data given to <c>load</c>, or bytes that do not match their hash.</summary>
    public const int DataInvalid = 6;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary>Every code with its meaning, in order, for <c>--help</c>.</summary>
    public static IReadOnlyList<(int Code, string Meaning)> All { get; } =
    [
        (Ok, "ok; for exists/on-cache: yes"),
        (NotFound, "no, or not found (unknown hash, missing file, not cached)"),
        (Usage, "usage: bad command line, option value, environment variable or config file"),
        (Failed, "failed: catalog missing or broken, I/O error, operation refused"),
        (CacheFull, "cache full: no room can be made for the file"),
        (HostUnreachable, "host unreachable: a storage host could not be reached or deliver; try again later"),
        (DataInvalid, "data invalid or lost: bad sync data, bytes that do not match their hash, or files with no good copy left"),
        (Interrupted, "interrupted (Ctrl-C or SIGTERM); nothing half-written is left"),
    ];
}
