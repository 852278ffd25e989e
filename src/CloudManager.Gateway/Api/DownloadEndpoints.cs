using CloudManager.Gateway.Streams;
using CloudManager.Gateway.Transfers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace CloudManager.Gateway.Api;

/// <summary><c>GET|HEAD /api/download/{hash}</c> and <c>GET /api/find/{hash}</c>: open to everybody, as in the seed.</summary>
internal static class DownloadEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        // The services are taken once here: binding them per request would open a service scope for every download.
        var services = api.ServiceProvider;
        var pool = services.GetRequiredService<CloudPool>();
        var bandwidth = services.GetRequiredService<BandwidthGuard>();
        var meter = services.GetRequiredService<TransferMeter>();
        api.MapMethods("/download/{hash}", [HttpMethods.Get, HttpMethods.Head], (string hash, HttpContext context) => DownloadAsync(hash, context, pool, bandwidth, meter))
            .WithName("Download")
            .WithSummary("Download a file by its hash")
            .WithDescription(
                "Streams the file, fetching it from a host first when it is not cached (HEAD does the same without the body). "
                + "Content-Disposition carries the original name, the ETag is the hash, single byte ranges are served (206), "
                + "and If-None-Match with the hash answers 304. An unknown hash answers 404 {\"error\": \"File not found\"}.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status304NotModified)
            .Produces<SeedError>(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/find/{hash}", FindAsync)
            .WithName("Find")
            .WithSummary("The file's payload (version 0.2)")
            .WithDescription("The record other nodes receive: name, size, time, and where the hosts keep it. An unknown hash answers 404 {\"error\": \"File not found\"}.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<SeedError>(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> DownloadAsync(string hash, HttpContext context, CloudPool pool, BandwidthGuard bandwidth, TransferMeter meter)
    {
        var content = HashRoute.Parse(hash);
        var cancellationToken = context.RequestAborted;
        // One catalog query when the file is cached: its record and its open bytes together.
        if (await pool.FindAndOpenIfCachedAsync(content.ToString(), cancellationToken) is not var (file, cached))
        {
            return FileNotFound();
        }

        var stream = cached;
        try
        {
            var etag = new EntityTagHeaderValue($"\"{content}\"");
            // The bytes behind a hash never change.
            context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } ifNoneMatch
                && ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
            {
                // Answered before any warm-up: a client that has the bytes never makes the node fetch them.
                context.Response.Headers.ETag = etag.ToString();
                return TypedResults.StatusCode(StatusCodes.Status304NotModified);
            }

            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await bandwidth.EnsureOutgoingAllowedAsync(file.Size, cancellationToken);
            }

            if (stream is null)
            {
                try
                {
                    stream = await pool.OpenReadAsync(content.ToString(), cancellationToken);
                }
                catch (UnknownContentException)
                {
                    return FileNotFound();
                }
            }

            IResult result = CachedFileResult.Serves(context.Request)
                ? new CachedFileResult(stream, FileDisplay.Name(file), file.CreatedAt, etag, meter.AddOutgoing)
                : TypedResults.File(
                    new CountingReadStream(stream, meter.AddOutgoing),
                    "application/octet-stream",
                    FileDisplay.Name(file),
                    file.CreatedAt,
                    etag,
                    enableRangeProcessing: true);
            // The result owns the stream from here.
            stream = null;
            return result;
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static async Task<IResult> FindAsync(string hash, CloudPool pool, CancellationToken cancellationToken)
    {
        var content = HashRoute.Parse(hash);
        var payload = await pool.InfoAsync(content.ToString(), cancellationToken);
        return payload is null ? FileNotFound() : TypedResults.Text(payload.ToJson(), "application/json; charset=utf-8");
    }

    /// <summary>The seed's answer for an unknown hash, which its clients look for.</summary>
    internal static IResult FileNotFound() =>
        TypedResults.Json(SeedError.FileNotFound, GatewayJsonContext.Default.SeedError, statusCode: StatusCodes.Status404NotFound);
}
