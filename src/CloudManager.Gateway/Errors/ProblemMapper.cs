using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CloudManager.Gateway.Errors;

/// <summary>How a failure is told to a client: status, title, detail, and whether to retry.</summary>
internal sealed record Problem(int Status, string Title, string Detail, TimeSpan? RetryAfter, LogLevel LogLevel);

/// <summary>
/// The one place where exceptions become HTTP statuses (RFC 7807 problem details): 400 bad input,
/// 404 unknown, 409 refused by the pool's state, 413 too large, 422 invalid sync data, 429 bandwidth
/// exhausted, 502/503 hosts or catalog failing, 500 anything else.
/// </summary>
internal static class ProblemMapper
{
    /// <summary>How long a client should wait after a transient failure (hosts, lock, full cache).</summary>
    internal static readonly TimeSpan TransientRetryAfter = TimeSpan.FromSeconds(30);

    public static Problem Map(Exception exception) => exception switch
    {
        GatewayProblemException e => new(e.Status, e.Title, e.Message, e.RetryAfter, LogLevel.Debug),
        BadHttpRequestException e when e.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            new(e.StatusCode, "Request too large", $"{e.Message} See max_file_size in GET /api/status.", null, LogLevel.Debug),
        BadHttpRequestException e => new(e.StatusCode, "Bad request", e.Message, null, LogLevel.Debug),
        UnknownContentException e => new(StatusCodes.Status404NotFound, "File not found", e.Message, null, LogLevel.Debug),
        InvalidPayloadException e => new(StatusCodes.Status422UnprocessableEntity, "Invalid sync data", e.Message, null, LogLevel.Information),
        CacheFullException { IsTransient: false } e => new(StatusCodes.Status413PayloadTooLarge, "File larger than the cache", e.Message, null, LogLevel.Information),
        CacheFullException e => new(StatusCodes.Status503ServiceUnavailable, "Cache full", e.Message, TransientRetryAfter, LogLevel.Warning),
        ContentUnavailableException e => new(StatusCodes.Status503ServiceUnavailable, "File unavailable", e.Message, TransientRetryAfter, LogLevel.Warning),
        CacheLockedException e => new(StatusCodes.Status503ServiceUnavailable, "Cache busy", e.Message, TransientRetryAfter, LogLevel.Warning),
        StorageHostException { IsTransient: true } e => new(StatusCodes.Status503ServiceUnavailable, "Storage host unavailable", e.Message, TransientRetryAfter, LogLevel.Warning),
        StorageHostException e => new(StatusCodes.Status502BadGateway, "Storage host failed", e.Message, null, LogLevel.Warning),
        CatalogVersionException e => new(StatusCodes.Status500InternalServerError, "Catalog too new", e.Message, null, LogLevel.Error),
        CatalogException { IsTransient: true } e => new(StatusCodes.Status503ServiceUnavailable, "Catalog busy", e.Message, TransientRetryAfter, LogLevel.Warning),
        CloudPoolException e => new(StatusCodes.Status500InternalServerError, "Pool error", e.Message, null, LogLevel.Error),
        ArgumentException e => new(StatusCodes.Status400BadRequest, "Bad request", e.Message, null, LogLevel.Debug),
        // Anything else is a fault of the gateway: the details stay in the log, not in the answer.
        _ => new(StatusCodes.Status500InternalServerError, "Internal error", "The gateway failed unexpectedly; the error is in its log.", null, LogLevel.Error),
    };
}
