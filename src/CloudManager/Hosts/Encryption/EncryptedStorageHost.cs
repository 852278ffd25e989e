using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CloudManager.Hosts.Encryption;

/// <summary>
/// Wraps any host so that it receives only ciphertext: every copy is an encrypted object
/// (<see cref="CryptFormat"/>: AES-256-GCM, or ChaCha20-Poly1305 where AES-GCM is missing, in
/// authenticated 64 KiB segments) stored under a keyed name, HMAC-SHA256 of the content's hash, so the
/// host learns neither the content nor its hash.
/// </summary>
/// <remarks>
/// <code>
/// var keys = EncryptionKeyRing.Load("/etc/cloud-manager/disk-b.key");
/// IStorageHost host = new EncryptedStorageHost(registry.Create("disk-b", "directory", settings), keys, "key file /etc/cloud-manager/disk-b.key");
/// </code>
/// <para>The wrapped host sees a <see cref="ContentRef"/> whose hash is the keyed name and whose length
/// is the object's (<see cref="CryptFormat.CiphertextLength"/>), and an opaque
/// <see cref="UploadSource"/> (<see cref="UploadSource.IsOpaque"/>) that encrypts the plaintext source
/// as it is read; the plaintext is still verified on the way out, and the last segment is sealed only
/// once it has been. Reads decrypt and authenticate every segment before handing out its bytes: a copy
/// that fails (changed, cut short, swapped with another, sealed under another key) throws
/// <see cref="ContentIntegrityException"/>, a damaged copy, never an unreachable host.</para>
/// <para>Identity: the marker this host writes carries a key check value
/// (<see cref="HostMarker.KeyCheck"/>); <see cref="ReadMarkerAsync"/> throws <see cref="HostKeyException"/>
/// when the ring lacks that key or holds another key under its id, or when the marker has no key check
/// (a host set up without encryption). The pool reads the marker before any write, so a wrong key
/// writes nothing. Kinds that derive their marker (plowshare) cannot record one: there a wrong key shows
/// only when a copy is read, as a damaged copy.</para>
/// <para>Rotation: names and objects are sealed under the ring's <see cref="EncryptionKeyRing.Writer"/>;
/// reads, presence checks and deletes try every key of the ring (one request more per older key for
/// content that is absent). An upload of content an older key already holds keeps that copy.</para>
/// <para>Listing reads the header (90 bytes) of each object not uploaded or listed by this instance
/// before, to learn its hash and length: one read request per object on the first listing. Objects
/// whose header does not open under the ring are not listed.</para>
/// </remarks>
public sealed partial class EncryptedStorageHost : IStorageHost
{
    private readonly IStorageHost _inner;
    private readonly EncryptionKeyRing _keys;
    private readonly string _keySource;
    private readonly ConcurrentDictionary<ContentHash, ContentRef> _known = new();

    /// <summary>Uploads of one content through this host take turns (by stripe of the hash): each writes other ciphertext, and a store that
    /// is not atomic under two writes of one key (some S3 servers) could otherwise keep the bytes of one and the checksum of the other.</summary>
    private readonly SemaphoreSlim[] _uploadTurns = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>Wraps a host.</summary>
    /// <param name="inner">The host that stores the objects; disposed with this one.</param>
    /// <param name="keys">The keys: the newest seals, all read.</param>
    /// <param name="keySource">Where the keys came from, for messages: "key file /etc/cm/disk.key".</param>
    public EncryptedStorageHost(IStorageHost inner, EncryptionKeyRing keys, string keySource = "the key ring")
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(keySource);
        if (CryptFormat.PreferredAlgorithm == CryptAlgorithm.None)
        {
            throw new PlatformNotSupportedException($"Host '{inner.Name}' is encrypted, but this system offers neither AES-GCM nor ChaCha20-Poly1305.");
        }

        _inner = inner;
        _keys = keys;
        _keySource = keySource;
    }

    /// <summary>The wrapped host.</summary>
    public IStorageHost Inner => _inner;

    /// <summary>The keys.</summary>
    public EncryptionKeyRing Keys => _keys;

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public string Kind => _inner.Kind;

    /// <inheritdoc />
    /// <remarks>The wrapped host's, with <see cref="HostCapabilities.Encrypted"/>.</remarks>
    public HostCapabilities Capabilities => _inner.Capabilities with { Encrypted = true };

    /// <inheritdoc />
    public HostLocation Location => _inner.Location;

    /// <inheritdoc />
    public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var turn = _uploadTurns[content.Hash.GetHashCode() & (_uploadTurns.Length - 1)];
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await UploadInTurnAsync(content, source, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            turn.Release();
        }
    }

    private async Task<HostLocator> UploadInTurnAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        if (!_inner.Capabilities.AssignsLocator)
        {
            foreach (var older in _keys.NewestFirst.Skip(1))
            {
                var stored = StoredRef(older, content);
                var locator = new HostLocator(ContentKeys.Of(stored.Hash));
                if (await _inner.ExistsAsync(stored, locator, cancellationToken).ConfigureAwait(false))
                {
                    return locator;
                }
            }
        }

        var writer = _keys.Writer;
        var target = StoredRef(writer, content);
        var result = await _inner.UploadAsync(target, new EncryptingUploadSource(source, target, writer), cancellationToken).ConfigureAwait(false);
        _known[target.Hash] = content;
        return result;
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        ContentNotFoundException? notFound = null;
        foreach (var key in _keys.NewestFirst)
        {
            Stream stored;
            try
            {
                stored = await _inner.OpenReadAsync(StoredRef(key, content), locator, cancellationToken).ConfigureAwait(false);
            }
            catch (ContentNotFoundException e)
            {
                notFound ??= e;
                continue;
            }

            return await DecryptingReadStream.OpenAsync(
                stored, _keys, CryptFormat.IdentityOf(content.Hash), content.Length,
                why => new ContentIntegrityException(Name, content, why), cancellationToken).ConfigureAwait(false);
        }

        throw new ContentNotFoundException(Name, content.Hash, notFound);
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        foreach (var key in _keys.NewestFirst)
        {
            if (await _inner.ExistsAsync(StoredRef(key, content), locator, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        foreach (var key in _keys.NewestFirst)
        {
            var stored = StoredRef(key, content);
            await _inner.DeleteAsync(stored, locator, cancellationToken).ConfigureAwait(false);
            _known.TryRemove(stored.Hash, out _);
        }
    }

    /// <inheritdoc />
    /// <remarks>Reads the header of each object this instance has not seen before (one read request each); objects that do not open under the ring are left out.</remarks>
    public async IAsyncEnumerable<HostEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in _inner.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!_known.TryGetValue(entry.Hash, out var content))
            {
                if (await IdentifyAsync(entry, cancellationToken).ConfigureAwait(false) is not { } found)
                {
                    continue;
                }

                content = found;
                _known[entry.Hash] = content;
            }

            // An object of the wrong length is listed with that length, so the caller sees a damaged copy.
            var length = entry.Length == CryptFormat.CiphertextLength(content.Length) ? content.Length : entry.Length;
            yield return new HostEntry(content.Hash, length, entry.Locator);
        }
    }

    /// <inheritdoc />
    /// <exception cref="HostKeyException">The marker has no key check, or names a key the ring does not hold or holds under another secret.</exception>
    public async Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        var marker = await _inner.ReadMarkerAsync(cancellationToken).ConfigureAwait(false);
        return marker is null ? null : Checked(marker);
    }

    /// <inheritdoc />
    /// <remarks>Writes the marker with the writing key's check value; returns the marker on the host once checked like <see cref="ReadMarkerAsync"/>.</remarks>
    public async Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        var marker = await _inner.CreateMarkerAsync(proposed with { KeyCheck = _keys.Writer.CheckValueFor(proposed.Id) }, cancellationToken).ConfigureAwait(false);
        return Checked(marker);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <inheritdoc />
    public override string ToString() => $"{_inner}, encrypted";

    /// <summary>What the wrapped host stores for some content under a key: the keyed name and the object's length.</summary>
    private static ContentRef StoredRef(EncryptionKey key, ContentRef content) =>
        new(key.NameOf(CryptFormat.IdentityOf(content.Hash)), CryptFormat.CiphertextLength(content.Length));

    private HostMarker Checked(HostMarker marker)
    {
        if (!_inner.Capabilities.StoresMarker)
        {
            return marker;
        }

        if (marker.KeyCheck is not { } check)
        {
            throw new HostKeyException(Name,
                $"Host '{Name}' is configured with encryption, but its identity marker says it was set up without it: its copies are not encrypted. " +
                "Encrypting a host that already holds plain copies is not supported: point the host at a new, empty place, or remove its \"encryption\" setting.");
        }

        var keyId = check[..16];
        var key = _keys.Find(keyId) ?? throw new HostKeyException(Name,
            $"Host '{Name}' was set up with encryption key {keyId}, which {_keySource} does not hold (it holds {string.Join(", ", _keys.Keys.Select(k => k.Id))}). " +
            "Is it the wrong key file? Nothing was written. Keep every key a host was set up with in its key file.");
        if (key.CheckValueFor(marker.Id) != check)
        {
            throw new HostKeyException(Name,
                $"Host '{Name}': key {keyId} in {_keySource} is not the key this host was set up with (its key check value differs). " +
                "Is it the wrong key file, or a key made again with the same id? Nothing was written.");
        }

        return marker;
    }

    private async Task<ContentRef?> IdentifyAsync(HostEntry entry, CancellationToken cancellationToken)
    {
        Stream stored;
        try
        {
            stored = await _inner.OpenReadAsync(new ContentRef(entry.Hash, entry.Length), entry.Locator, cancellationToken).ConfigureAwait(false);
        }
        catch (ContentNotFoundException)
        {
            return null;
        }

        DecryptingReadStream opened;
        try
        {
            opened = await DecryptingReadStream.OpenAsync(stored, _keys, null, null, why => new InvalidDataException(why), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            return null;
        }

        await using (opened.ConfigureAwait(false))
        {
            if (opened.Identity[0] != CryptFormat.ContentIdentity)
            {
                return null;
            }

            var content = new ContentRef(ContentHash.FromBytes(opened.Identity[1..]), opened.PlaintextLength);
            // An object under a name that is not its own (moved or swapped) is not a copy a lookup would find.
            return _keys.Keys.Any(k => k.NameOf(CryptFormat.IdentityOf(content.Hash)) == entry.Hash) ? content : null;
        }
    }
}
