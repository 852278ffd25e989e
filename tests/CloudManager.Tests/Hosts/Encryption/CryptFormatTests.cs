using CloudManager.Hosts.Encryption;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Hosts.Encryption;

/// <summary>The encrypted object format: round trips, and every change to the stored bytes is found.</summary>
public sealed class CryptFormatTests
{
    private static readonly EncryptionKeyRing Ring = new([EncryptionKey.CreateNew()]);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    internal static byte[] Seal(byte[] plaintext, byte[] identity, EncryptionKey? key = null, int bufferSize = 7919)
    {
        using var stream = new EncryptingReadStream(new MemoryStream(plaintext), plaintext.Length, identity, key ?? Ring.Writer);
        var output = new MemoryStream();
        stream.CopyTo(output, bufferSize);
        return output.ToArray();
    }

    internal static async Task<byte[]> OpenAsync(byte[] stored, byte[] identity, long? length, EncryptionKeyRing? ring = null, int bufferSize = 5003)
    {
        await using var stream = await DecryptingReadStream.OpenAsync(
            new MemoryStream(stored), ring ?? Ring, identity, length, why => new InvalidDataException(why), Token);
        var output = new MemoryStream();
        await stream.CopyToAsync(output, bufferSize, Token);
        return output.ToArray();
    }

    private static byte[] Plaintext(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData(200_000)]
    public async Task Round_trips_with_the_length_the_format_promises(int length)
    {
        var plain = Plaintext(length, length);
        var identity = CryptFormat.IdentityOf(ContentHash.Compute(plain));
        var stored = Seal(plain, identity);
        Assert.Equal(CryptFormat.CiphertextLength(length), stored.Length);
        Assert.Equal(plain, await OpenAsync(stored, identity, length));
        Assert.Equal(plain, await OpenAsync(stored, identity, null));
    }

    [Fact]
    public void Two_seals_of_one_plaintext_differ_and_neither_contains_it()
    {
        var plain = Plaintext(100_000, 1);
        var identity = CryptFormat.IdentityOf(ContentHash.Compute(plain));
        var first = Seal(plain, identity);
        var second = Seal(plain, identity);
        Assert.NotEqual(first, second);
        Assert.True(first.AsSpan().IndexOf(plain.AsSpan(5000, 16)) < 0);
        Assert.True(first.AsSpan().IndexOf(identity.AsSpan(1)) < 0);
    }

    [Fact]
    public async Task Another_objects_bytes_under_this_name_are_refused()
    {
        var a = Plaintext(1000, 1);
        var b = Plaintext(1000, 2);
        var storedB = Seal(b, CryptFormat.IdentityOf(ContentHash.Compute(b)));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(storedB, CryptFormat.IdentityOf(ContentHash.Compute(a)), 1000));
        Assert.Contains("names another object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reordered_segments_and_a_segment_from_another_seal_of_the_same_content_are_found()
    {
        var plain = Plaintext(3 * CryptFormat.SegmentSize, 5);
        var identity = CryptFormat.IdentityOf(ContentHash.Compute(plain));
        var stored = Seal(plain, identity);
        const int Sealed = CryptFormat.SegmentSize + CryptFormat.TagSize;
        var swapped = (byte[])stored.Clone();
        stored.AsSpan(CryptFormat.HeaderSize, Sealed).CopyTo(swapped.AsSpan(CryptFormat.HeaderSize + Sealed));
        stored.AsSpan(CryptFormat.HeaderSize + Sealed, Sealed).CopyTo(swapped.AsSpan(CryptFormat.HeaderSize));
        var reordered = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(swapped, identity, plain.Length));
        Assert.Contains("segment 0 of 3 fails authentication", reordered.Message, StringComparison.Ordinal);

        var other = Seal(plain, identity);
        var spliced = (byte[])stored.Clone();
        other.AsSpan(CryptFormat.HeaderSize + Sealed, Sealed).CopyTo(spliced.AsSpan(CryptFormat.HeaderSize + Sealed));
        await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(spliced, identity, plain.Length));
    }

    [Fact]
    public async Task Dropping_whole_last_segments_is_found_even_at_a_segment_boundary()
    {
        var plain = Plaintext(2 * CryptFormat.SegmentSize, 6);
        var identity = CryptFormat.IdentityOf(ContentHash.Compute(plain));
        var stored = Seal(plain, identity);
        var cut = stored.AsSpan(0, CryptFormat.HeaderSize + CryptFormat.SegmentSize + CryptFormat.TagSize).ToArray();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(cut, identity, null));
        Assert.Contains("cut short in segment 1 of 2", error.Message, StringComparison.Ordinal);

        var longer = stored.Concat(new byte[] { 0 }).ToArray();
        Assert.Contains("more bytes", (await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(longer, identity, null))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ring_without_the_key_or_with_another_key_under_its_id_cannot_open()
    {
        var plain = Plaintext(5000, 7);
        var identity = CryptFormat.IdentityOf(ContentHash.Compute(plain));
        var stored = Seal(plain, identity);
        var missing = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(stored, identity, null, new EncryptionKeyRing([EncryptionKey.CreateNew()])));
        Assert.Contains($"key {Ring.Writer.Id}, which the key ring does not hold", missing.Message, StringComparison.Ordinal);
        var impostor = new EncryptionKeyRing([new EncryptionKey(Ring.Writer.Id, new byte[32])]);
        var wrong = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(stored, identity, null, impostor));
        Assert.Contains("header fails authentication", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_object_opens_only_under_its_name()
    {
        var plain = Plaintext(3000, 8);
        var sealedStream = SealedObject.Seal(new MemoryStream(plain), plain.Length, "journal/0001", Ring);
        var stored = new MemoryStream();
        await sealedStream.CopyToAsync(stored, Token);
        await sealedStream.DisposeAsync();
        Assert.Equal(SealedObject.SealedLength(plain.Length), stored.Length);

        await using (var opened = await SealedObject.OpenAsync(new MemoryStream(stored.ToArray()), "journal/0001", Ring, Token))
        {
            var back = new MemoryStream();
            await opened.CopyToAsync(back, Token);
            Assert.Equal(plain, back.ToArray());
        }

        await Assert.ThrowsAsync<InvalidDataException>(() => SealedObject.OpenAsync(new MemoryStream(stored.ToArray()), "journal/0002", Ring, Token));
        Assert.Equal(64, SealedObject.StoredNameOf("journal/0001", Ring).Length);
        Assert.DoesNotContain("journal", SealedObject.StoredNameOf("journal/0001", Ring), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plaintext_shorter_or_longer_than_declared_is_never_sealed_whole()
    {
        var plain = Plaintext(70_000, 9);
        var identity = CryptFormat.IdentityOf(ContentHash.Compute(plain));
        await using var shorter = new EncryptingReadStream(new MemoryStream(plain, 0, 69_999), plain.Length, identity, Ring.Writer);
        await Assert.ThrowsAsync<EndOfStreamException>(() => shorter.CopyToAsync(Stream.Null, Token));
        await using var longer = new EncryptingReadStream(new MemoryStream(plain), plain.Length - 1, identity, Ring.Writer);
        await Assert.ThrowsAsync<IOException>(() => longer.CopyToAsync(Stream.Null, Token));
    }

    /// <summary>
    /// For any plaintext around the segment boundaries, opening what was sealed gives it back, and any
    /// single changed byte or any truncation of the stored object is refused, never handed out.
    /// </summary>
    [Fact]
    public void Sealing_round_trips_and_any_changed_byte_or_truncation_is_detected()
    {
        var cases =
            from segments in Gen.Choose(0, 2)
            from delta in Gen.Choose(-3, 3)
            from seed in Gen.Choose(0, int.MaxValue)
            from position in Gen.Choose(0, int.MaxValue)
            from flip in Gen.Choose(1, 255)
            from truncateTo in Gen.Choose(0, int.MaxValue)
            from bufferSize in Gen.Choose(1, 300_000)
            select (Length: Math.Max(0, (segments * CryptFormat.SegmentSize) + delta), seed, position, (byte)flip, truncateTo, bufferSize);
        var property = Prop.ForAll(Arb.From(cases), c =>
        {
            var plain = Plaintext(c.Length, c.seed);
            var identity = CryptFormat.IdentityOf(ContentHash.Compute(plain));
            // Any read size: smaller than a segment, or several segments at once.
            var stored = Seal(plain, identity, bufferSize: c.bufferSize);
            var roundTrip = OpenAsync(stored, identity, c.Length, bufferSize: c.bufferSize).GetAwaiter().GetResult().AsSpan().SequenceEqual(plain);

            var changed = (byte[])stored.Clone();
            changed[c.position % changed.Length] ^= c.Item4;
            var truncated = stored.AsSpan(0, c.truncateTo % stored.Length).ToArray();
            return roundTrip && Refused(changed, identity, c.Length, c.bufferSize) && Refused(changed, identity, null, c.bufferSize) && Refused(truncated, identity, null, c.bufferSize);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), property);
    }

    private static bool Refused(byte[] stored, byte[] identity, long? length, int bufferSize)
    {
        try
        {
            OpenAsync(stored, identity, length, bufferSize: bufferSize).GetAwaiter().GetResult();
            return false;
        }
        catch (InvalidDataException)
        {
            return true;
        }
    }
}
