using CloudManager.Hosts;
using CloudManager.Hosts.Encryption;
using CloudManager.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Hosts.Encryption;

/// <summary>
/// The plaintext guarantee through the encrypting decorator: for any content and any damage to its
/// source (a changed byte, a shorter or longer file), an encrypted directory host stores nothing and the
/// upload fails with the source's mismatch; undamaged, it stores one object that reads back.
/// </summary>
public sealed class EncryptedUploadPropertyTests
{
    private enum Damage
    {
        None,
        ChangedByte,
        Shorter,
        Longer,
    }

    [Fact]
    public void A_damaged_source_never_becomes_an_encrypted_copy()
    {
        var cases =
            from segments in Gen.Choose(0, 2)
            from delta in Gen.Choose(-2, 2)
            from seed in Gen.Choose(0, int.MaxValue)
            from damage in Gen.Elements(Damage.None, Damage.ChangedByte, Damage.Shorter, Damage.Longer)
            from position in Gen.Choose(0, int.MaxValue)
            select (Length: Math.Max(1, (segments * CryptFormat.SegmentSize) + delta), seed, damage, position);
        var property = Prop.ForAll(Arb.From(cases), c => RunAsync(c.Length, c.seed, c.damage, c.position).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), property);
    }

    private static async Task<bool> RunAsync(int length, int seed, Damage damage, int position)
    {
        var token = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var root = folder.CreateFolder("host");
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var content = new ContentRef(ContentHash.Compute(bytes), length);
        var onDisk = damage switch
        {
            Damage.ChangedByte => Changed(bytes, position % length),
            Damage.Shorter => bytes[..^1],
            Damage.Longer => [.. bytes, 0],
            _ => bytes,
        };
        var source = folder.Combine("source.bin");
        await File.WriteAllBytesAsync(source, onDisk, token);
        await using var host = new EncryptedStorageHost(new DirectoryHost("dir", root), new EncryptionKeyRing([EncryptionKey.CreateNew()]));

        if (damage == Damage.None)
        {
            var locator = await host.UploadAsync(content, source, token);
            await using var stream = await host.OpenReadAsync(content, locator, token);
            return await ContentHash.ComputeAsync(stream, token) == content.Hash
                && Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Count(f => !f.Contains(".incoming", StringComparison.Ordinal)) == 1;
        }

        try
        {
            await host.UploadAsync(content, source, token);
            return false;
        }
        catch (ContentMismatchException)
        {
            return !Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Any();
        }
    }

    private static byte[] Changed(byte[] bytes, int index)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] ^= 0x5a;
        return copy;
    }
}
