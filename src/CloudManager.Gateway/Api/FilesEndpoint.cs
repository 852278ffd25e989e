using CloudManager.Catalog;
using CloudManager.Gateway.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CloudManager.Gateway.Api;

/// <summary><c>GET /api/files</c>: the catalog a page at a time, newest first or in hash order.</summary>
internal static class FilesEndpoint
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/files", HandleAsync)
            .WithName("Files")
            .WithSummary("List the files, a page at a time")
            .WithDescription(
                $"`order` is `newest` (default) or `hash`; `limit` is 1 to {MaxLimit} (default {DefaultLimit}); "
                + "pass the `next` of one page as `after` to get the following page (`next` is null on the last page).")
            .Produces<FilePage>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

    private static async Task<Ok<FilePage>> HandleAsync(CloudPool pool, string? order, int? limit, string? after, CancellationToken cancellationToken)
    {
        order ??= "newest";
        if (order is not ("newest" or "hash"))
        {
            throw GatewayProblemException.BadRequest($"order must be 'newest' or 'hash', not '{(order.Length > 40 ? order[..40] : order)}'.");
        }

        var pageSize = limit ?? DefaultLimit;
        if (pageSize is < 1 or > MaxLimit)
        {
            throw GatewayProblemException.BadRequest($"limit must be from 1 to {MaxLimit}, not {pageSize}.");
        }

        var cursor = after is null ? (ContentHash?)null : HashRoute.Parse(after);
        var listings = order == "hash"
            ? await pool.ListFilesAsync(cursor?.ToString(), pageSize, cancellationToken)
            : await pool.ListNewestFilesAsync(cursor?.ToString(), pageSize, cancellationToken);
        var total = await pool.CountFilesAsync(cancellationToken);
        var minCopies = pool.Options.MinCopies;
        var items = listings.Select(l => FileItem.From(l, minCopies)).ToList();
        var next = listings.Count == pageSize ? items[^1].Hash : null;
        return TypedResults.Ok(new FilePage(order, pageSize, new CountAndSize(total.Count, total.Size), items, next));
    }
}
