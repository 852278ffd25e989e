namespace CloudManager.Hosts;

/// <summary>Conveniences over <see cref="IStorageHost"/>.</summary>
public static class StorageHostExtensions
{
    /// <summary>
    /// Stores a copy of a local file, verified on the way out (<see cref="UploadSource.FromFile"/>): a
    /// file whose bytes do not hash to <paramref name="content"/> is not stored and the call throws
    /// <see cref="ContentMismatchException"/> (or the host's error wrapping it).
    /// </summary>
    /// <param name="host">The host.</param>
    /// <param name="content">What the file must hold.</param>
    /// <param name="sourcePath">The file; never changed.</param>
    /// <param name="cancellationToken">Cancels the transfer; nothing visible remains.</param>
    public static Task<HostLocator> UploadAsync(this IStorageHost host, ContentRef content, string sourcePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.UploadAsync(content, UploadSource.FromFile(content, sourcePath), cancellationToken);
    }
}
