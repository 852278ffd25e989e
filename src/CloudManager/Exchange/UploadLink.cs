namespace CloudManager.Exchange;

/// <summary>One entry of a payload's <c>uploads</c>: a copy on a host, or a failed attempt.</summary>
/// <param name="HostName">The host's name (<c>host_name</c>).</param>
/// <param name="Url">Where the host keeps the copy (<c>url</c>); null for a failed attempt (<c>"error": true</c>).</param>
public sealed record UploadLink(string HostName, string? Url)
{
    /// <summary>Whether this entry records a failed attempt rather than a copy.</summary>
    public bool IsError => Url is null;
}
