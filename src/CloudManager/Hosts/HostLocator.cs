namespace CloudManager.Hosts;

/// <summary>
/// Where a host keeps one copy: a relative path, an object key or a URL the host assigned.
/// Opaque to the pool, which stores it per (file, host) in the catalog and hands it back to the host.
/// In the payload JSON it is the <c>url</c> of an upload.
/// </summary>
/// <param name="Value">The host-specific text; never empty.</param>
public readonly record struct HostLocator(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}
