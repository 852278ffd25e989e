using System.Text.Unicode;
using CloudManager.Gateway.Errors;
using CloudManager.Gateway.Security;
using CloudManager.Gateway.Streams;
using CloudManager.Gateway.Transfers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace CloudManager.Gateway.Api;

/// <summary>
/// Node-to-node sync with the seed's semantics: <c>GET /api/sync/dump?limit=</c> exports records of safe
/// files not yet confirmed (and marks them exported), <c>POST /api/sync/load?sync_id=</c> imports another
/// node's records, all or nothing.
/// </summary>
internal static class SyncEndpoints
{
    /// <summary>The dump limit when none is given: the seed's, as in <c>cm dump</c>.</summary>
    public const int DefaultDumpLimit = 128_000;

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/sync/dump", DumpAsync)
            .RequireToken()
            .WithName("SyncDump")
            .WithSummary("Export records of safe files not yet confirmed")
            .WithDescription(
                $"A JSON array of version 0.2 payloads whose text is at most `limit` bytes (default {DefaultDumpLimit}); the files are marked exported "
                + "and offered again after an hour unless a load confirms them. 204 when there is nothing to export.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapPost("/sync/load", LoadAsync)
            .RequireToken()
            .WithName("SyncLoad")
            .WithSummary("Import another node's records")
            .WithDescription(
                "The body is a JSON array of payloads (versions 0.1 and 0.2), as a dump gives them. Every record is checked first; "
                + "invalid data imports nothing and answers 422 naming the record and field. A record whose only fault is its file name "
                + "(a path, or a control, format, separator or other invisible character) is refused alone and listed in `rejected` "
                + "with its reason; the others are imported.")
            .Accepts<string>("application/json")
            .Produces<LoadResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<IResult> DumpAsync(CloudPool pool, GatewayOptions options, int? limit, CancellationToken cancellationToken)
    {
        var bytes = limit ?? DefaultDumpLimit;
        var max = (int)Math.Min(options.MaxSyncLoadBytes, int.MaxValue);
        if (bytes < 2 || bytes > max)
        {
            throw GatewayProblemException.BadRequest($"limit must be from 2 to {max} bytes, not {bytes}.");
        }

        var json = await pool.DataDumpAsync(bytes, cancellationToken);
        return json is null ? TypedResults.NoContent() : TypedResults.Text(json, "application/json; charset=utf-8");
    }

    private static async Task<Ok<LoadResult>> LoadAsync(HttpContext context, CloudPool pool, GatewayOptions options, [FromQuery(Name = "sync_id")] string? syncId)
    {
        if (string.IsNullOrEmpty(syncId))
        {
            throw GatewayProblemException.BadRequest("Say where the records come from with ?sync_id= (a block id or a peer name, 1 to 256 characters).");
        }

        var limit = options.MaxSyncLoadBytes;
        if (context.Request.ContentLength > limit)
        {
            throw GatewayProblemException.PayloadTooLarge($"Sync data may be at most {ByteText.Format(limit)}; send it in smaller dumps.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        var json = new MemoryStream();
        var body = new LimitedReadStream(context.Request.Body, limit, max => $"Sync data may be at most {ByteText.Format(max)}; send it in smaller dumps.");
        await using (body)
        {
            await body.CopyToAsync(json, context.RequestAborted);
        }

        // Strict: a damaged byte is refused, not turned into a replacement character in a file name.
        var data = json.GetBuffer().AsMemory(0, (int)json.Length);
        if (!Utf8.IsValid(data.Span))
        {
            throw new InvalidPayloadException(-1, null, "the request body is not valid UTF-8 text.");
        }

        var report = await pool.DataLoadWithReportAsync(data, syncId, context.RequestAborted);
        return TypedResults.Ok(LoadResult.From(report, syncId));
    }
}
