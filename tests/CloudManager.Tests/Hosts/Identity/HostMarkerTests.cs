using System.Text;
using CloudManager.Hosts;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace CloudManager.Tests.Hosts.Identity;

/// <summary>The identity marker's format: what is written, and everything else refused.</summary>
public sealed class HostMarkerTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2025, 6, 7, 8, 9, 10, 123, TimeSpan.Zero));

    [Fact]
    public void CreateNew_makes_a_random_32_hex_id_at_the_clock_s_time()
    {
        var a = HostMarker.CreateNew(Clock, "directory");
        var b = HostMarker.CreateNew(Clock, "directory");
        Assert.Matches("^[0-9a-f]{32}$", a.Id);
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(Clock.GetUtcNow(), a.CreatedAt);
        Assert.Equal("", HostMarker.CreateNew(Clock).Kind);
    }

    [Fact]
    public void The_JSON_has_exactly_the_documented_fields_and_reads_back_equal()
    {
        var marker = new HostMarker("00112233445566778899aabbccddeeff", new DateTimeOffset(2014, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)), "webdav");
        var json = Encoding.UTF8.GetString(marker.ToJson());
        Assert.Equal("""{"format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeeff","kind":"webdav","createdAt":"2014-01-02T03:04:05-05:00"}""", json);
        Assert.Equal(marker, HostMarker.Parse("h", marker.ToJson()));
    }

    [Fact]
    public void A_marker_without_a_kind_is_not_written()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HostMarker.CreateNew(Clock).ToJson());
        Assert.Contains("kind", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "not a valid marker")]
    [InlineData("null", "is empty")]
    [InlineData("[]", "not a valid marker")]
    [InlineData("""{"format":"cloud-manager-hosts","version":1,"id":"00112233445566778899aabbccddeeff","kind":"s3","createdAt":"2014-01-02T03:04:05Z"}""", "has format 'cloud-manager-hosts'")]
    [InlineData("""{"format":"cloud-manager-host","version":2,"id":"00112233445566778899aabbccddeeff","kind":"s3","createdAt":"2014-01-02T03:04:05Z"}""", "has version 2")]
    [InlineData("""{"format":"cloud-manager-host","id":"00112233445566778899aabbccddeeff","kind":"s3","createdAt":"2014-01-02T03:04:05Z"}""", "has version (missing)")]
    [InlineData("""{"format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeef","kind":"s3","createdAt":"2014-01-02T03:04:05Z"}""", "not 32 lower-case hex digits")]
    [InlineData("""{"format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeeg0","kind":"s3","createdAt":"2014-01-02T03:04:05Z"}""", "not 32 lower-case hex digits")]
    [InlineData("""{"format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeeff","kind":"S3","createdAt":"2014-01-02T03:04:05Z"}""", "has kind 'S3'")]
    [InlineData("""{"format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeeff","kind":"s3"}""", "has no createdAt")]
    [InlineData("""{"format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeeff","kind":"s3","createdAt":"yesterday"}""", "not a valid marker")]
    [InlineData("""{"format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeeff","kind":"s3","createdAt":"2014-01-02T03:04:05Z","owner":"x"}""", "not a valid marker")]
    [InlineData("""{"format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeeff","id":"ffeeddccbbaa99887766554433221100","kind":"s3","createdAt":"2014-01-02T03:04:05Z"}""", "not a valid marker")]
    [InlineData("""{"Format":"cloud-manager-host","version":1,"id":"00112233445566778899aabbccddeeff","kind":"s3","createdAt":"2014-01-02T03:04:05Z"}""", "not a valid marker")]
    public void Anything_else_is_refused_with_a_message_that_says_what_is_wrong(string json, string expected)
    {
        var error = Assert.Throws<HostMarkerException>(() => HostMarker.Parse("disk-b", Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("Host 'disk-b'", error.Message, StringComparison.Ordinal);
        Assert.Contains(HostMarker.ObjectName, error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task A_marker_larger_than_4_KiB_is_refused_without_reading_all_of_it()
    {
        var padded = Encoding.UTF8.GetBytes(new string(' ', HostMarker.MaxBytes) + Encoding.UTF8.GetString(HostMarker.CreateNew(Clock, "s3").ToJson()));
        Assert.Contains("more than the 4096", Assert.Throws<HostMarkerException>(() => HostMarker.Parse("h", padded)).Message, StringComparison.Ordinal);
        using var endless = new EndlessStream();
        var error = await Assert.ThrowsAsync<HostMarkerException>(() => HostMarker.ReadAsync("h", endless, TestContext.Current.CancellationToken));
        Assert.Contains("4097 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(endless.Served <= HostMarker.MaxBytes + 1);
    }

    [Fact]
    public void DeriveId_is_the_first_32_hex_digits_of_SHA256_over_the_parts()
    {
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("plowshare\nmediafire\nanonymous\n"u8))[..32];
        Assert.Equal(expected, HostMarker.DeriveId("plowshare", "mediafire", "anonymous"));
        Assert.NotEqual(expected, HostMarker.DeriveId("plowshare", "mediafire", "alice"));
    }

    [Fact]
    public void Mutated_markers_are_read_back_exactly_or_refused_never_read_as_something_else()
    {
        var original = HostMarker.CreateNew(Clock, "directory").ToJson();
        var mutations = Gen.Choose(0, original.Length - 1).SelectMany(position => Gen.Choose(0, 255).Select(value => (position, value)));
        var property = Prop.ForAll(Arb.From(Gen.ListOf(mutations)), changes =>
        {
            var bytes = (byte[])original.Clone();
            foreach (var (position, value) in changes)
            {
                bytes[position] = (byte)value;
            }

            try
            {
                var parsed = HostMarker.Parse("h", bytes);
                // Whatever survives must be a valid marker that writes back to the same JSON meaning.
                return HostMarker.IsValidId(parsed.Id) && HostMarker.Parse("h", parsed.ToJson()) == parsed;
            }
            catch (HostMarkerException)
            {
                return true;
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), property);
    }

    private sealed class EndlessStream : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, (byte)' ', offset, count);
            Served += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
