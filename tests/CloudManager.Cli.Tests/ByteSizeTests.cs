using CloudManager.Cli.Output;

namespace CloudManager.Cli.Tests;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("20GiB", 20L << 30)]
    [InlineData("512MB", 512_000_000L)]
    [InlineData("1.5TB", 1_500_000_000_000L)]
    [InlineData("4096", 4096L)]
    [InlineData("1.5 kib", 1536L)]
    [InlineData(" 10 B ", 10L)]
    public void TryParse_reads_binary_and_decimal_units(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes, out var problem), problem);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("", "not a size")]
    [InlineData("ten", "not a size")]
    [InlineData("12XB", "unknown unit")]
    [InlineData("0", "less than one byte")]
    [InlineData("99999999EiB", "unknown unit")]
    [InlineData("9999999999PiB", "too large")]
    public void TryParse_explains_what_is_wrong(string text, string expected)
    {
        Assert.False(ByteSize.TryParse(text, out _, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(10L << 30, "10.0 GiB")]
    public void Format_uses_binary_units(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));
}
