using CloudManager.Hosts.Encryption;
using CloudManager.Testing;

namespace CloudManager.Tests.Hosts.Encryption;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeyFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_new_key_file_is_owner_only_is_never_replaced_and_loads()
    {
        var path = _folder.Combine("pool.key");
        var id = EncryptionKeyRing.WriteNewKeyFile(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var ring = EncryptionKeyRing.Load(path);
        Assert.Equal(id, ring.Writer.Id);
        var before = File.ReadAllBytes(path);
        Assert.Throws<IOException>(() => EncryptionKeyRing.WriteNewKeyFile(path));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_key_file_others_may_read_is_refused_with_the_chmod_advice()
    {
        var path = _folder.Combine("pool.key");
        EncryptionKeyRing.WriteNewKeyFile(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var error = Assert.Throws<ArgumentException>(() => EncryptionKeyRing.Load(path));
        Assert.Contains($"chmod 600 {path}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not a valid key file")]
    [InlineData("{\"format\":\"x\",\"version\":1,\"keys\":[]}", "has format 'x'")]
    [InlineData("{\"format\":\"cloud-manager-keys\",\"version\":2,\"keys\":[]}", "has version 2")]
    [InlineData("{\"format\":\"cloud-manager-keys\",\"version\":1,\"keys\":[]}", "holds no keys")]
    [InlineData("{\"format\":\"cloud-manager-keys\",\"version\":1,\"keys\":[{\"id\":\"XYZ\",\"key\":\"\"}]}", "has id 'XYZ'")]
    [InlineData("{\"format\":\"cloud-manager-keys\",\"version\":1,\"keys\":[{\"id\":\"0011223344556677\",\"key\":\"###\"}]}", "is not base64")]
    [InlineData("{\"format\":\"cloud-manager-keys\",\"version\":1,\"keys\":[{\"id\":\"0011223344556677\",\"key\":\"AAAA\"}]}", "is 3 bytes, not 32")]
    [InlineData("{\"format\":\"cloud-manager-keys\",\"version\":1,\"keys\":[{\"id\":\"0011223344556677\",\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},{\"id\":\"0011223344556677\",\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}]}", "appears twice")]
    public void A_malformed_key_file_says_what_is_wrong(string json, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => EncryptionKeyRing.Parse(System.Text.Encoding.UTF8.GetBytes(json), "the environment variable K"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("The environment variable K", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_file_says_how_to_make_one()
    {
        var error = Assert.Throws<ArgumentException>(() => EncryptionKeyRing.Load(_folder.Combine("absent.key")));
        Assert.Contains("cm hosts keygen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_key_writes_and_every_key_reads()
    {
        var (a, b) = (EncryptionKey.CreateNew(), EncryptionKey.CreateNew());
        var ring = new EncryptionKeyRing([a, b]);
        Assert.Same(b, ring.Writer);
        Assert.Same(a, ring.Find(a.Id));
        Assert.Null(ring.Find("ffffffffffffffff"));
        Assert.NotEqual(a.CheckValueFor("m"), b.CheckValueFor("m"));
        Assert.NotEqual(a.CheckValueFor("m"), a.CheckValueFor("n"));
    }
}
