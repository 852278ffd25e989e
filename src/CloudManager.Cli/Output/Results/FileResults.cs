namespace CloudManager.Cli.Output.Results;

// What the commands that move one file return. `cm evict` returns the gateway's EvictResult, `cm list` its FileItem.

/// <summary>A file and the path it was read from (<c>cm upload</c>) or written to (<c>cm download</c>).</summary>
internal sealed record FileLocation(string Hash, string Path, long Size);

/// <summary>What <c>cm warm-up</c> returns: the cached path, and whether the file was cached before.</summary>
internal sealed record WarmUpResult(string Hash, string Path, long Size, bool WasCached);

/// <summary>What <c>cm pin</c> returns.</summary>
internal sealed record PinResult(string Hash, bool Pinned);

/// <summary>What <c>cm unpin</c> returns.</summary>
internal sealed record UnpinResult(string Hash, bool Unpinned);

/// <summary>What <c>cm dump</c> returns (printed as it is, with or without <c>--json</c>): the records, or null when there was nothing to export, and the file they went to.</summary>
internal sealed record DumpResult(string? Records, string? Path);
