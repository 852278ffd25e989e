using Microsoft.AspNetCore.Http;

namespace CloudManager.Gateway.Errors;

/// <summary>A request the gateway itself refuses, with the HTTP status and a message for the client.</summary>
internal sealed class GatewayProblemException : Exception
{
    private GatewayProblemException(int status, string title, string detail, TimeSpan? retryAfter = null)
        : base(detail)
    {
        Status = status;
        Title = title;
        RetryAfter = retryAfter;
    }

    public int Status { get; }

    public string Title { get; }

    /// <summary>When trying again makes sense, for the <c>Retry-After</c> header.</summary>
    public TimeSpan? RetryAfter { get; }

    public static GatewayProblemException BadRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static GatewayProblemException NotFound(string detail) =>
        new(StatusCodes.Status404NotFound, "Not found", detail);

    public static GatewayProblemException Conflict(string detail) =>
        new(StatusCodes.Status409Conflict, "Conflict", detail);

    public static GatewayProblemException PayloadTooLarge(string detail) =>
        new(StatusCodes.Status413PayloadTooLarge, "Upload too large", detail);

    public static GatewayProblemException BandwidthExhausted(string detail, TimeSpan retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, "Monthly bandwidth limit reached", detail, retryAfter);
}
