namespace CloudManager.Hosts.Encryption;

/// <summary>
/// The bytes an encrypted host sends to the host it wraps: the encrypted object made on the fly from a
/// plaintext source, which keeps verifying the plaintext (its last segment is sealed only once the
/// plaintext has been verified whole). Opaque (<see cref="UploadSource.IsOpaque"/>): its bytes do not
/// hash to <see cref="UploadSource.Content"/>, which is the keyed name and the object's length.
/// </summary>
internal sealed class EncryptingUploadSource : UploadSource
{
    private readonly UploadSource _plaintext;
    private readonly EncryptionKey _key;

    /// <summary>Encrypts <paramref name="plaintext"/> under <paramref name="key"/> as <paramref name="stored"/>.</summary>
    public EncryptingUploadSource(UploadSource plaintext, ContentRef stored, EncryptionKey key)
        : base(stored, plaintext.Description)
    {
        _plaintext = plaintext;
        _key = key;
    }

    /// <inheritdoc />
    public override bool IsOpaque => true;

    /// <inheritdoc />
    public override async ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken)
    {
        Stream plaintext;
        try
        {
            plaintext = await _plaintext.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ContentMismatchException e)
        {
            OnMismatch(e);
            throw;
        }

        var content = _plaintext.Content;
        return new EncryptingReadStream(plaintext, content.Length, CryptFormat.IdentityOf(content.Hash), _key, OnMismatch);
    }

    /// <inheritdoc />
    internal override void WillWait() => _plaintext.WillWait();
}
