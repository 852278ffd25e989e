using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.FileProviders;

namespace CloudManager.Gateway.Dashboard;

/// <summary>
/// The dashboard: <c>/</c> and its assets under <c>/assets/</c>, embedded in this assembly, so that
/// nothing is fetched from anywhere else.
/// </summary>
internal static class DashboardEndpoints
{
    public static IFileProvider Files { get; } = new EmbeddedFileProvider(typeof(DashboardEndpoints).Assembly, "CloudManager.Gateway.Dashboard");

    public static void Map(WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            RequestPath = "/assets",
            // Revalidated on every load (a cheap 304): a new version of the gateway shows at once.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });

        app.MapGet("/", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            return TypedResults.Stream(Files.GetFileInfo("index.html").CreateReadStream(), "text/html; charset=utf-8");
        }).ExcludeFromDescription();
    }
}
