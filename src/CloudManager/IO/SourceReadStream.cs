namespace CloudManager.IO;

/// <summary>
/// Reads a file being uploaded and turns the system's refusals of it (an I/O error, a permission
/// denied) into <see cref="SourceUnreadableException"/>, so that they are not taken for a refusal of
/// the cache folder's own disk, which shares <see cref="IOException"/> with them.
/// </summary>
internal sealed class SourceReadStream(Stream inner, string path) : ReadOnlyStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SourceUnreadableException.For(path, e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
