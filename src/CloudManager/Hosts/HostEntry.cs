namespace CloudManager.Hosts;

/// <summary>One piece of content a host lists.</summary>
/// <param name="Hash">The content's hash.</param>
/// <param name="Length">Its length in bytes as the host reports it.</param>
/// <param name="Locator">Where the host keeps it.</param>
public sealed record HostEntry(ContentHash Hash, long Length, HostLocator Locator);
