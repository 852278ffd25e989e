using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudManager.Gateway.Api;

/// <summary>
/// A whole cached file sent as a 200 answer, with the headers <c>TypedResults.File</c> sends, read
/// straight into the connection's output buffer in large blocks. Used for plain GETs (no range, no
/// conditions other than <c>If-None-Match</c>, which the endpoint answers itself), the common case of
/// a busy node; everything else goes through <c>TypedResults.File</c>'s range and precondition handling.
/// </summary>
/// <remarks>
/// <c>TypedResults.File</c> copies through a 64 KiB intermediate buffer with an asynchronous file read
/// per block, which on Linux is a hop to the thread pool; reading a block of the page cache costs less
/// than that hop, and reading into the output buffer saves one copy of every byte.
/// </remarks>
internal sealed class CachedFileResult(Stream content, string fileName, DateTimeOffset lastModified, EntityTagHeaderValue etag, Action<long> reportSent) : IResult
{
    /// <summary>Block size: large enough that a big file costs few flushes, small enough to keep memory flat per connection.</summary>
    internal const int BlockSize = 256 * 1024;

    /// <summary>Whether a request can be answered by this result: a GET with no range and no precondition but <c>If-None-Match</c>.</summary>
    internal static bool Serves(HttpRequest request)
    {
        var headers = request.Headers;
        return HttpMethods.IsGet(request.Method)
            && headers.Range.Count == 0
            && headers.IfRange.Count == 0
            && headers.IfMatch.Count == 0
            && headers.IfUnmodifiedSince.Count == 0
            && headers.IfModifiedSince.Count == 0;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        long sent = 0;
        await using (content.ConfigureAwait(false))
        {
            try
            {
                var length = content.Length;
                var response = httpContext.Response;
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = "application/octet-stream";
                response.ContentLength = length;
                response.Headers.AcceptRanges = "bytes";
                var headers = response.GetTypedHeaders();
                headers.LastModified = lastModified;
                headers.ETag = etag;
                var disposition = new ContentDispositionHeaderValue("attachment");
                disposition.SetHttpFileName(fileName);
                headers.ContentDisposition = disposition;

                // Headers first: body bytes written before the response starts are buffered by Kestrel
                // and copied again behind the headers when it starts.
                var cancellationToken = httpContext.RequestAborted;
                await response.StartAsync(cancellationToken);
                var writer = response.BodyWriter;
                while (sent < length)
                {
                    var block = writer.GetMemory((int)Math.Min(BlockSize, length - sent));
                    var wanted = (int)Math.Min(block.Length, length - sent);
                    // Synchronous on purpose (see the remarks): the bytes are nearly always in the page cache.
                    var read = content.Read(block.Span[..wanted]);
                    if (read == 0)
                    {
                        throw new IOException($"The cached file '{fileName}' ended after {sent} of its {length} bytes.");
                    }

                    writer.Advance(read);
                    sent += read;
                    var flushed = await writer.FlushAsync(cancellationToken);
                    if (flushed.IsCanceled || flushed.IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client went away; what it received is counted below.
            }
            finally
            {
                reportSent(sent);
            }
        }
    }
}
