namespace CloudManager.Tests;

public sealed class ContentHashTests
{
    private const string Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Compute_matches_the_known_digest_of_empty_content() =>
        Assert.Equal(Empty, ContentHash.Compute([]).ToString());

    [Fact]
    public void Parse_accepts_upper_case_and_prints_lower_case() =>
        Assert.Equal(Empty, ContentHash.Parse(Empty.ToUpperInvariant()).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("e3b0")]
    [InlineData("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555")]
    [InlineData("../../../etc/passwd")]
    public void TryParse_rejects_anything_but_64_hex_digits(string text)
    {
        Assert.False(ContentHash.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ContentHash.Parse(text));
    }

    [Fact]
    public void Equal_digests_are_equal_and_hash_alike()
    {
        var a = ContentHash.Parse(Empty);
        var b = ContentHash.Compute([]);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, ContentHash.Compute([1]));
    }

    [Fact]
    public async Task ComputeAsync_equals_Compute()
    {
        var bytes = new byte[100_000];
        new Random(3).NextBytes(bytes);
        Assert.Equal(ContentHash.Compute(bytes), await ContentHash.ComputeAsync(new MemoryStream(bytes), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Hash_codes_of_hashes_whose_halves_repeat_do_not_collide()
    {
        // A sync document may carry any 64 hex digits: "0000002a0000002a..." must not all share one
        // bucket (folding each 64-bit word by XOR of its halves gives 0 for every one of them).
        var codes = Enumerable.Range(0, 10_000)
            .Select(i => ContentHash.Parse(string.Concat(Enumerable.Repeat(i.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), 8))).GetHashCode())
            .ToHashSet();

        Assert.True(codes.Count > 9_900, $"{10_000 - codes.Count} collisions among 10,000 hashes");
    }
}
