using CloudManager.IO;

namespace CloudManager.Hosts;

/// <summary>
/// The bytes an upload sends to a host, checked on their way out: every stream
/// <see cref="OpenReadAsync"/> returns hashes what it hands out and fails the read that would deliver
/// the last byte with <see cref="ContentMismatchException"/> when the bytes are not the content's. A
/// host that stores a copy only once it has received every byte (the host contract) therefore never
/// stores damaged bytes, whatever happened to the source on disk.
/// </summary>
/// <remarks>
/// <para>The pool makes the sources (<see cref="FromFile"/>, and the shared read a sync fans out to
/// several hosts); hosts only read them. Each call to <see cref="OpenReadAsync"/> starts a new read
/// from the first byte, verified again, so a retried upload re-reads and re-checks. During a sync the
/// first read of each host is a share of one read of the cached file, fanned out to every host the
/// file is copied to; later reads (a retry) read the file on their own.</para>
/// <para>Hosts whose tools can only upload a path (plowshare) copy a stream into a private temp file
/// and hand that over only once the stream has ended without error: see <c>docs/hosts.md</c>.</para>
/// </remarks>
public abstract class UploadSource
{
    private ContentMismatchException? _mismatch;

    /// <summary>Creates a source of <paramref name="content"/>.</summary>
    private protected UploadSource(ContentRef content, string description)
    {
        Content = content;
        Description = description;
    }

    /// <summary>The content's hash and length: what every read must deliver.</summary>
    public ContentRef Content { get; }

    /// <summary>The source in words, as errors name it: "the cached copy of …", "the file '…'".</summary>
    public string Description { get; }

    /// <summary>
    /// The mismatch a read of this source found, if any: set before the read throws, so a caller whose
    /// host wrapped the error in its own (an HTTP client does) can still tell that the source, not the
    /// host, was at fault.
    /// </summary>
    public ContentMismatchException? Mismatch => Volatile.Read(ref _mismatch);

    /// <summary>
    /// Whether the bytes this source hands out are an opaque encoding of some content (an encrypted
    /// object) that does not hash to <see cref="ContentRef.Hash"/> of <see cref="Content"/>, which is then
    /// only a name: the source still checks the content it encodes, but a host must not judge a copy it
    /// already holds by hashing its bytes (<see cref="DirectoryHost"/> then always writes a new copy).
    /// </summary>
    public virtual bool IsOpaque => false;

    /// <summary>A source that reads a local file, verified on every read.</summary>
    /// <param name="content">What the file must hold.</param>
    /// <param name="path">The file; it is opened by each read and never changed.</param>
    public static UploadSource FromFile(ContentRef content, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new FileUploadSource(content, Path.GetFullPath(path), $"the file '{path}'");
    }

    /// <summary>
    /// Opens the content for reading from its first byte: exactly <see cref="ContentRef.Length"/>
    /// bytes, the last of which are handed out only once all of them hash to <see cref="ContentRef.Hash"/>.
    /// </summary>
    /// <remarks>The caller disposes the stream. Reads of the stream may throw
    /// <see cref="ContentMismatchException"/> (damaged source) or <see cref="IOException"/> (the source
    /// could not be read); either way the upload must fail and leave nothing that looks like a copy.</remarks>
    /// <exception cref="ContentMismatchException">The source cannot hold the content (known before any byte is read).</exception>
    /// <exception cref="IOException">The source could not be opened.</exception>
    public abstract ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Called by a wrapper host that is about to wait for its turn (a transfer limit) before the
    /// upload starts: a shared read does not wait for this host, which then reads on its own.
    /// </summary>
    internal virtual void WillWait()
    {
    }

    /// <summary>Records a mismatch (the first one stays).</summary>
    private protected void OnMismatch(ContentMismatchException error) => Interlocked.CompareExchange(ref _mismatch, error, null);

    /// <summary>Opens the file and wraps it in a verifying stream.</summary>
    private protected Stream OpenVerifiedFile(string path)
    {
        if (Content.Length == 0 && Content.Hash != ContentHash.Compute([]))
        {
            var error = new ContentMismatchException(Content, Description, 0, ContentHash.Compute([]));
            OnMismatch(error);
            throw error;
        }

        return new VerifyingReadStream(DurableFile.OpenSequentialRead(path), Content, Description, OnMismatch);
    }

    /// <summary>A local file read on its own by every call.</summary>
    private sealed class FileUploadSource(ContentRef content, string path, string description) : UploadSource(content, description)
    {
        public override ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(OpenVerifiedFile(path));
        }
    }
}
