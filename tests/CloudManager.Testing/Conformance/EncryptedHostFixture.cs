using CloudManager.Hosts;
using CloudManager.Hosts.Encryption;

namespace CloudManager.Testing.Conformance;

/// <summary>Runs a host kind's fixture through the encrypting decorator: every host it makes is wrapped, under one key ring.</summary>
public abstract class EncryptedHostFixture(IStorageHostFixture inner) : IStorageHostFixture, IDisposable
{
    /// <summary>The keys every host of this fixture uses.</summary>
    public EncryptionKeyRing Keys { get; } = new([EncryptionKey.CreateNew()]);

    /// <summary>The kind's own fixture.</summary>
    public IStorageHostFixture Inner => inner;

    public async Task<IStorageHost> CreateHostAsync() => Wrap(await inner.CreateHostAsync());

    public async Task<IStorageHost> CreateUnavailableHostAsync() => Wrap(await inner.CreateUnavailableHostAsync());

    public async Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => Wrap(await inner.CreateSamePlaceHostAsync(Unwrap(host)));

    public Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes) => inner.WriteMarkerBytesAsync(Unwrap(host), bytes);

    /// <summary>The kind's host under an encrypted one.</summary>
    public static IStorageHost Unwrap(IStorageHost host) => ((EncryptedStorageHost)host).Inner;

    public void Dispose()
    {
        (inner as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }

    private EncryptedStorageHost Wrap(IStorageHost host) => new(host, Keys, "the test key ring");
}

/// <summary>The conformance suite on an encrypted host, where a marker without a key check is refused rather than read.</summary>
public abstract class EncryptedStorageHostConformanceTests<TFixture>(TFixture fixture) : StorageHostConformanceTests<TFixture>(fixture)
    where TFixture : EncryptedHostFixture
{
    /// <summary>A marker another program wrote without a key check is a plain host's: an encrypted host refuses it and writes nothing.</summary>
    public override async Task A_marker_written_by_another_program_is_read()
    {
        await using var host = await Fixture.CreateHostAsync();
        var marker = new HostMarker("00112233445566778899aabbccddeeff", new DateTimeOffset(2014, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)), "directory");
        await Fixture.WriteMarkerBytesAsync(host, marker.ToJson());
        var error = await Assert.ThrowsAsync<HostKeyException>(() => host.ReadMarkerAsync(TestContext.Current.CancellationToken));
        Assert.Contains("set up without it", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
        await Assert.ThrowsAsync<HostKeyException>(() => host.CreateMarkerAsync(HostMarker.CreateNew(TimeProvider.System), TestContext.Current.CancellationToken));
        Assert.Equal(marker, await EncryptedHostFixture.Unwrap(host).ReadMarkerAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_marker_carries_the_key_check_and_a_ring_without_that_key_is_refused()
    {
        var token = TestContext.Current.CancellationToken;
        await using var host = await Fixture.CreateHostAsync();
        var marker = await host.CreateMarkerAsync(HostMarker.CreateNew(TimeProvider.System), token);
        Assert.Equal(Fixture.Keys.Writer.CheckValueFor(marker.Id), marker.KeyCheck);
        Assert.Equal(marker, await host.ReadMarkerAsync(token));

        await using var other = new EncryptedStorageHost(await Fixture.Inner.CreateSamePlaceHostAsync(EncryptedHostFixture.Unwrap(host)), new EncryptionKeyRing([EncryptionKey.CreateNew()]), "key file /x.key");
        var error = await Assert.ThrowsAsync<HostKeyException>(() => other.ReadMarkerAsync(token));
        Assert.Contains(host.Name, error.Message, StringComparison.Ordinal);
        Assert.Contains(Fixture.Keys.Writer.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains("key file /x.key", error.Message, StringComparison.Ordinal);

        var impostor = new EncryptionKey(Fixture.Keys.Writer.Id, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var sameId = new EncryptedStorageHost(await Fixture.Inner.CreateSamePlaceHostAsync(EncryptedHostFixture.Unwrap(host)), new EncryptionKeyRing([impostor]), "key file /y.key");
        var wrong = await Assert.ThrowsAsync<HostKeyException>(() => sameId.ReadMarkerAsync(token));
        Assert.Contains("not the key this host was set up with", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_wrapped_host_sees_neither_the_hash_nor_the_length_and_reads_back_only_ciphertext()
    {
        var token = TestContext.Current.CancellationToken;
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, bytes) = MakeContent(200_000, 7);
        var locator = await host.UploadAsync(content, path, token);
        Assert.DoesNotContain(content.Hash.ToString(), locator.Value, StringComparison.OrdinalIgnoreCase);
        var inner = EncryptedHostFixture.Unwrap(host);
        if (inner.Capabilities.CanList)
        {
            var entry = Assert.Single(await inner.ListAsync(token).ToListAsync(token));
            Assert.NotEqual(content.Hash, entry.Hash);
            Assert.Equal(SealedObject.SealedLength(content.Length), entry.Length);
            await using var raw = await inner.OpenReadAsync(new ContentRef(entry.Hash, entry.Length), entry.Locator, token);
            var stored = new MemoryStream();
            await raw.CopyToAsync(stored, token);
            Assert.Equal(entry.Length, stored.Length);
            Assert.False(stored.ToArray().AsSpan().IndexOf(bytes.AsSpan(1000, 32)) >= 0, "a piece of the plaintext is on the host");
        }
    }

    [Fact]
    public async Task Content_sealed_under_an_older_key_of_the_ring_is_read_and_not_stored_twice()
    {
        var token = TestContext.Current.CancellationToken;
        await using var host = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(70_000, 3);
        await host.UploadAsync(content, path, token);

        var rotated = new EncryptionKeyRing([.. Fixture.Keys.Keys, EncryptionKey.CreateNew()]);
        await using var later = new EncryptedStorageHost(await Fixture.Inner.CreateSamePlaceHostAsync(EncryptedHostFixture.Unwrap(host)), rotated);
        Assert.True(await later.ExistsAsync(content, new HostLocator("x"), token));
        var locator = await later.UploadAsync(content, path, token);
        await using (var stream = await later.OpenReadAsync(content, locator, token))
        {
            Assert.Equal(content.Hash, await ContentHash.ComputeAsync(stream, token));
        }

        var (fresh, freshPath, _) = MakeContent(10, 4);
        await later.UploadAsync(fresh, freshPath, token);
        if (later.Capabilities.CanList)
        {
            Assert.Equal(new[] { content.Hash, fresh.Hash }.Order(), (await later.ListAsync(token).ToListAsync(token)).Select(e => e.Hash).Order());
        }

        // The first ring cannot read what the newest key sealed: its name is not one it knows.
        Assert.False(await host.ExistsAsync(fresh, new HostLocator("x"), token));
        await later.DeleteAsync(content, locator, token);
        Assert.False(await later.ExistsAsync(content, locator, token));
    }
}
