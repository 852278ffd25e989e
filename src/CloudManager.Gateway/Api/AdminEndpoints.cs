using CloudManager.Gateway.Background;
using CloudManager.Gateway.Errors;
using CloudManager.Gateway.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CloudManager.Gateway.Api;

/// <summary>Operator routes, behind the token: run the replication now, evict a file from the cache.</summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/admin/sync", SyncAsync)
            .RequireToken()
            .WithName("AdminSync")
            .WithSummary("Replicate pending files now")
            .WithDescription("Runs the replication (after any run in progress) and answers what it did.")
            .Produces<SyncRunResult>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/admin/evict/{hash}", EvictAsync)
            .RequireToken()
            .WithName("AdminEvict")
            .WithSummary("Drop a safe file from this node's cache")
            .WithDescription("The hosts keep it; the next download fetches it back. A file that is not safe yet, or pinned, answers 409.")
            .Produces<EvictResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Ok<SyncRunResult>> SyncAsync(ReplicationService replication, CancellationToken cancellationToken) =>
        TypedResults.Ok(await replication.RunNowAsync(cancellationToken));

    private static async Task<Ok<EvictResult>> EvictAsync(string hash, CloudPool pool, CancellationToken cancellationToken)
    {
        var content = HashRoute.Parse(hash).ToString();
        bool evicted;
        try
        {
            evicted = await pool.EvictAsync(content, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            throw GatewayProblemException.Conflict(e.Message);
        }

        return evicted
            ? TypedResults.Ok(new EvictResult(content, true))
            : throw GatewayProblemException.NotFound($"{content} is not in this node's cache.");
    }
}
