namespace CloudManager.Hosts;

/// <summary>
/// A place that keeps whole copies of pool content: a folder, an S3 bucket, an rclone remote, a
/// WebDAV server, a file-locker site.
/// </summary>
/// <remarks>
/// <para>Contract every implementation keeps (checked by the shared conformance suite):</para>
/// <list type="bullet">
/// <item><see cref="UploadAsync"/> reads what it sends from an <see cref="UploadSource"/>, whose
/// streams check the bytes on the way out: the read that would deliver the last byte throws
/// <see cref="ContentMismatchException"/> when the bytes are damaged. A host stores a copy only once it
/// has received every byte, so it never stores damaged bytes; it need not hash anything. The pool
/// always re-verifies what <see cref="OpenReadAsync"/> returns.</item>
/// <item>Content is never visible (to <see cref="ExistsAsync"/>, <see cref="ListAsync"/> or a
/// download) before it is complete: a cancelled or failed upload leaves nothing behind that looks
/// like a copy.</item>
/// <item>Uploading content that is already there succeeds and leaves one copy. Deleting content that
/// is absent succeeds.</item>
/// <item>Presence is tri-state: <see cref="ExistsAsync"/> answers <c>true</c> or <c>false</c> only
/// when it positively knows; when the host cannot be reached it throws
/// <see cref="HostUnavailableException"/>, never <c>false</c>.</item>
/// <item>A download of absent content throws <see cref="ContentNotFoundException"/>; unsupported
/// operations throw <see cref="NotSupportedException"/> as declared in <see cref="Capabilities"/>.</item>
/// <item>Hosts only classify errors; retries, timeouts and concurrency limits are the caller's.</item>
/// <item>Every member is safe to call from several threads at once.</item>
/// <item>Identity (<see cref="HostMarker"/>): <see cref="ReadMarkerAsync"/> answers the marker or
/// <c>null</c> only when it positively knows; a host it cannot reach, or a directory host whose folder
/// is missing (an unmounted disk), throws <see cref="HostUnavailableException"/>, never <c>null</c>.
/// Something at the marker's name that is not a valid marker throws <see cref="HostMarkerException"/>,
/// never <c>null</c>. <see cref="CreateMarkerAsync"/> writes a marker only where none is, as
/// exclusively as the kind allows, and returns the marker that is there afterwards: the first one
/// written when several nodes race. Hosts that cannot fetch by name
/// (<see cref="HostCapabilities.StoresMarker"/> false) derive a fixed marker instead.</item>
/// <item>The marker lives at <see cref="HostMarker.ObjectName"/> at the root of the content space;
/// <see cref="ListAsync"/> never reports it, nor anything else that is not content.</item>
/// <item>Metadata objects (<see cref="HostCapabilities.StoresMetadata"/>): small named objects beside
/// the content, under <see cref="MetadataNames.Folder"/>, named as <see cref="MetadataNames"/> allows
/// (anything else is an <see cref="ArgumentException"/>). <see cref="PutMetadataAsync"/> replaces an
/// object whole, atomically (a reader sees the old bytes or the new, never a mix nor a part);
/// <see cref="ListMetadataAsync"/> lists complete objects only, in ordinal name order;
/// <see cref="OpenMetadataAsync"/> answers <c>null</c> only when the object is positively absent;
/// <see cref="DeleteMetadataAsync"/> of an absent object succeeds. <see cref="ListAsync"/> never reports
/// them. Decorators (retries, limits, encryption) pass these members through or wrap them whole.</item>
/// <item><see cref="Location"/> is known without contacting the host and says where its content
/// lives, normalised, so that <see cref="HostOverlap"/> can refuse two hosts on one place.</item>
/// </list>
/// </remarks>
public interface IStorageHost : IAsyncDisposable
{
    /// <summary>The host's unique, stable name, as stored in the catalog and the payload's <c>host_name</c>.</summary>
    string Name { get; }

    /// <summary>The host kind: <c>directory</c>, <c>s3</c>, <c>rclone</c>, <c>webdav</c>, <c>plowshare</c>.</summary>
    string Kind { get; }

    /// <summary>What this host can do.</summary>
    HostCapabilities Capabilities { get; }

    /// <summary>Stores a copy of the content read from <paramref name="source"/> and returns where the host keeps it.</summary>
    /// <param name="content">The content's hash and length (the source's <see cref="UploadSource.Content"/>).</param>
    /// <param name="source">
    /// The bytes: open a stream with <see cref="UploadSource.OpenReadAsync"/> (once per attempt) and
    /// send exactly <see cref="ContentRef.Length"/> bytes from it. A read of it that fails (a damaged
    /// source throws <see cref="ContentMismatchException"/> on its last bytes) must fail the upload and
    /// leave nothing that looks like a copy; let that error through unwrapped where possible.
    /// </param>
    /// <param name="cancellationToken">Cancels the transfer; nothing visible remains.</param>
    Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken);

    /// <summary>Opens the stored copy for reading from its start.</summary>
    /// <remarks>The caller disposes the stream and verifies the bytes.</remarks>
    /// <exception cref="ContentNotFoundException">The host does not hold the content.</exception>
    Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken);

    /// <summary>Whether a complete copy is there.</summary>
    /// <exception cref="HostUnavailableException">The host could not say.</exception>
    Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken);

    /// <summary>Removes the copy; succeeds when it is already absent.</summary>
    Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken);

    /// <summary>Lists the complete copies the host holds.</summary>
    IAsyncEnumerable<HostEntry> ListAsync(CancellationToken cancellationToken);

    /// <summary>Where the host keeps its content, normalised for overlap checks (<see cref="HostOverlap"/>); known without contacting the host.</summary>
    HostLocation Location { get; }

    /// <summary>Reads the identity marker stored on the host.</summary>
    /// <returns>The marker, or <c>null</c> when the host positively holds none (a new, empty place).</returns>
    /// <exception cref="HostUnavailableException">The host could not say: unreachable, or (directory) its folder does not exist, which is an unmounted disk and never "no marker".</exception>
    /// <exception cref="HostMarkerException">Something is stored at the marker's name but it is not a valid marker.</exception>
    Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="proposed"/> (with the host's own <see cref="Kind"/>) as the host's marker
    /// if the host holds none, and returns the marker on the host afterwards: the existing one when
    /// there was one or another node wrote one first.
    /// </summary>
    /// <remarks>
    /// The only call that may create a directory host's folder (first use); whether a missing marker
    /// may be created at all is the pool's decision, since a marker missing where the catalog knows one
    /// was is an unmounted disk, not a new host.
    /// </remarks>
    /// <exception cref="HostUnavailableException">The host could not be reached.</exception>
    /// <exception cref="HostMarkerException">Something that is not a valid marker is stored at the marker's name; it is left as it is.</exception>
    Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken);

    /// <summary>Stores a metadata object whole under <paramref name="name"/>, replacing any object of that name at once.</summary>
    /// <param name="name">A valid <see cref="MetadataNames"/> name.</param>
    /// <param name="content">The bytes, a seekable stream read from its start (again on a retry); the caller disposes it.</param>
    /// <param name="cancellationToken">Cancels the write; the object is then the old one or absent, never partial.</param>
    /// <exception cref="NotSupportedException">The host keeps no metadata (<see cref="HostCapabilities.StoresMetadata"/> false).</exception>
    /// <exception cref="HostUnavailableException">The host could not be reached.</exception>
    Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken);

    /// <summary>Lists the metadata objects whose names start with <paramref name="prefix"/><c>/</c> (at any depth), or every one for an empty prefix.</summary>
    /// <exception cref="NotSupportedException">The host keeps no metadata.</exception>
    IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Opens a metadata object for reading; the caller disposes the stream and bounds what it reads.</summary>
    /// <returns>The object's bytes, or <c>null</c> when the host positively holds no object of that name.</returns>
    /// <exception cref="NotSupportedException">The host keeps no metadata.</exception>
    /// <exception cref="HostUnavailableException">The host could not say.</exception>
    Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken);

    /// <summary>Deletes a metadata object; succeeds when it is already absent.</summary>
    /// <exception cref="NotSupportedException">The host keeps no metadata.</exception>
    Task DeleteMetadataAsync(string name, CancellationToken cancellationToken);
}
