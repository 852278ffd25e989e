using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudManager.Gateway.Security;

/// <summary>
/// Headers on every answer: the dashboard loads only its own scripts and styles, is never framed,
/// and no answer is sniffed into something executable.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        // Set as the answer starts: an error handler clears the headers set before it.
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
