using CloudManager.Gateway.Background;
using CloudManager.Gateway.Errors;
using CloudManager.Gateway.Security;
using CloudManager.Gateway.Streams;
using CloudManager.Gateway.Transfers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CloudManager.Gateway.Api;

/// <summary>
/// <c>POST /api/upload</c>: a multipart form field <c>file</c>, or the raw body with <c>?filename=</c>.
/// The bytes stream straight into a temp file in the cache folder, hashed on the way; nothing holds
/// the whole file in memory.
/// </summary>
internal static class UploadEndpoint
{
    /// <summary>Room for multipart boundaries and part headers around the file.</summary>
    private const long MultipartOverhead = 1 << 20;

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/upload", HandleAsync)
            .RequireToken()
            .WithName("Upload")
            .WithSummary("Add a file to the pool")
            .WithDescription(
                "Send the file as the multipart/form-data field `file`, or as the raw request body with `?filename=NAME`. "
                + "It is hashed while it streams to the cache, recorded, and replicated to the hosts shortly after. "
                + "Uploading a file the pool already knows changes nothing and answers the same.")
            .Produces<UploadResult>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Created<UploadResult>> HandleAsync(
        HttpContext context, string? filename, CloudPool pool, GatewayOptions options, BandwidthGuard bandwidth, ReplicationService replication)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        var maxFile = MaxFileSize(pool, options);
        var isMultipart = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        var bodyLimit = isMultipart ? maxFile + MultipartOverhead : maxFile;
        if (request.ContentLength > bodyLimit)
        {
            throw GatewayProblemException.PayloadTooLarge(TooLarge(maxFile, request.ContentLength));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        await bandwidth.EnsureIncomingAllowedAsync(request.ContentLength ?? 0, cancellationToken);
        var hash = isMultipart
            ? await UploadMultipartAsync(request, mediaType!, pool, maxFile, cancellationToken)
            : await UploadRawAsync(request, filename, pool, maxFile, cancellationToken);

        replication.RequestSoon();
        var file = await pool.FindFileAsync(hash, cancellationToken)
            ?? throw new InvalidOperationException($"{hash} was uploaded but the catalog does not know it.");
        return TypedResults.Created($"/api/download/{hash}", new UploadResult(hash, file.Name, file.Size));
    }

    /// <summary>The largest file accepted: the configured maximum, and never more than the cache holds.</summary>
    public static long MaxFileSize(CloudPool pool, GatewayOptions options) =>
        Math.Min(options.MaxUploadBytes ?? long.MaxValue, pool.CacheLimit);

    private static async Task<string> UploadRawAsync(HttpRequest request, string? filename, CloudPool pool, long maxFile, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(filename))
        {
            throw GatewayProblemException.BadRequest(
                "Name the file: send it as the multipart/form-data field 'file', or as the raw body with ?filename=NAME.");
        }

        var body = new LimitedReadStream(request.Body, maxFile, limit => TooLarge(limit, null));
        await using (body)
        {
            return await pool.UploadAsync(body, BaseName(filename), cancellationToken);
        }
    }

    private static async Task<string> UploadMultipartAsync(HttpRequest request, MediaTypeHeaderValue mediaType, CloudPool pool, long maxFile, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70)
        {
            throw GatewayProblemException.BadRequest("The multipart/form-data body has no valid boundary (1 to 70 characters).");
        }

        // The reader's own body limit would stop at 128 MiB; the file part is limited below instead.
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.IsFileDisposition()
                || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal))
            {
                continue;
            }

            var name = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            var body = new LimitedReadStream(section.Body, maxFile, limit => TooLarge(limit, null));
            await using (body)
            {
                return await pool.UploadAsync(body, BaseName(name ?? ""), cancellationToken);
            }
        }

        throw GatewayProblemException.BadRequest("The form has no file field named 'file'.");
    }

    /// <summary>The last path segment of a client's file name: browsers and tools may send a whole path.</summary>
    private static string BaseName(string name)
    {
        var cut = name.LastIndexOfAny(['/', '\\']);
        return (cut >= 0 ? name[(cut + 1)..] : name).Trim();
    }

    private static string TooLarge(long maxFile, long? length) =>
        (length is { } l ? $"The request is {ByteText.Format(l)}; " : "The file is larger than allowed; ")
        + $"this gateway accepts files of at most {ByteText.Format(maxFile)} ({maxFile} bytes, max_file_size in GET /api/status).";
}
