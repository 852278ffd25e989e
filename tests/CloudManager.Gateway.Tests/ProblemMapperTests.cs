using CloudManager.Gateway.Errors;
using Microsoft.AspNetCore.Http;

namespace CloudManager.Gateway.Tests;

public sealed class ProblemMapperTests
{
    private static readonly ContentHash Hash = ContentHash.Compute([1, 2, 3]);

    public static TheoryData<Exception, int> Cases() => new()
    {
        { new UnknownContentException(Hash), 404 },
        { new InvalidPayloadException(0, "filesize", "is negative."), 422 },
        { new CacheFullException(100, 0, 50, "larger than the cache"), 413 },
        { new CacheFullException(10, 0, 50, "no room now"), 503 },
        { new ContentUnavailableException(Hash, [], "no host"), 503 },
        { new CacheLockedException("/cache/.lock", TimeSpan.FromSeconds(1)), 503 },
        { new HostUnavailableException("disk-a", "down"), 503 },
        { new HostOperationException("disk-a", "quota"), 502 },
        { new CatalogException("busy", null, isTransient: true), 503 },
        { new CatalogException("broken"), 500 },
        { new CatalogVersionException(9, 1), 500 },
        { new ArgumentException("bad"), 400 },
        { new BadHttpRequestException("too large", 413), 413 },
        { new BadHttpRequestException("bad request line", 400), 400 },
        { GatewayProblemException.BandwidthExhausted("limit", TimeSpan.FromHours(1)), 429 },
        { GatewayProblemException.Conflict("pinned"), 409 },
        { new InvalidOperationException("a bug"), 500 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_failure_maps_to_one_status(Exception exception, int status) =>
        Assert.Equal(status, ProblemMapper.Map(exception).Status);

    [Fact]
    public void Transient_failures_say_when_to_retry() =>
        Assert.Equal(ProblemMapper.TransientRetryAfter, ProblemMapper.Map(new HostUnavailableException("disk-a", "down")).RetryAfter);

    [Fact]
    public void Unexpected_failures_keep_their_details_out_of_the_answer()
    {
        var problem = ProblemMapper.Map(new InvalidOperationException("connection string Password=secret"));

        Assert.DoesNotContain("secret", problem.Detail, StringComparison.Ordinal);
    }
}
