using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;

namespace CloudManager.Hosts.WebDav;

// Metadata objects: URL/cloud-manager-meta/NAME, PUT to .incoming/ and MOVEd over the old object, so
// that a reader sees the old bytes or the new; listed with PROPFIND depth 1, collection by collection.
public sealed partial class WebDavHost
{
    /// <inheritdoc />
    public async Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        var parts = name.Split('/');
        await MakeCollectionAsync("", cancellationToken).ConfigureAwait(false);
        await MakeCollectionAsync(ContentKeys.IncomingFolder + "/", cancellationToken).ConfigureAwait(false);
        var folder = MetadataNames.Folder + "/";
        await MakeCollectionAsync(folder, cancellationToken).ConfigureAwait(false);
        foreach (var part in parts[..^1])
        {
            folder += part + "/";
            await MakeCollectionAsync(folder, cancellationToken).ConfigureAwait(false);
        }

        var incoming = new Uri(_base, $"{ContentKeys.IncomingFolder}/meta.{Guid.NewGuid():N}.partial");
        try
        {
            content.Position = 0;
            using (var put = new HttpRequestMessage(HttpMethod.Put, incoming) { Content = new StreamContent(content) })
            {
                put.Content.Headers.ContentLength = content.Length;
                put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                using var response = await SendAsync(put, "write a metadata object", cancellationToken).ConfigureAwait(false);
                ThrowUnlessSuccess(response, $"write the metadata object {name}", null);
            }

            for (var attempt = 1; ; attempt++)
            {
                using var move = new HttpRequestMessage(Move, incoming);
                move.Headers.Add("Destination", MetadataUri(name).AbsoluteUri);
                move.Headers.Add("Overwrite", "T");
                using var moved = await SendAsync(move, "move a metadata object into place", cancellationToken).ConfigureAwait(false);
                if (moved.IsSuccessStatusCode)
                {
                    return;
                }

                if (moved.StatusCode != HttpStatusCode.Locked || attempt == MoveAttempts)
                {
                    ThrowUnlessSuccess(moved, $"move the metadata object {name} into place", null);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await DeleteQuietlyAsync(incoming).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        MetadataNames.CheckPrefix(prefix, nameof(prefix));
        var found = new List<MetadataEntry>();
        var pending = new Stack<(string Relative, int Depth)>();
        pending.Push((prefix, prefix.Length == 0 ? 0 : prefix.Split('/').Length));
        while (pending.TryPop(out var folder))
        {
            var uri = new Uri(_base, MetadataNames.Folder + "/" + (folder.Relative.Length == 0 ? "" : EscapeName(folder.Relative) + "/"));
            foreach (var resource in await PropfindAsync(uri, cancellationToken).ConfigureAwait(false))
            {
                var name = folder.Relative.Length == 0 ? resource.Name : folder.Relative + "/" + resource.Name;
                if (!MetadataNames.IsValid(name))
                {
                    continue;
                }

                if (resource.IsCollection)
                {
                    if (folder.Depth + 1 < MetadataNames.MaxParts)
                    {
                        pending.Push((name, folder.Depth + 1));
                    }
                }
                else
                {
                    found.Add(new MetadataEntry(name, resource.Length ?? 0));
                }
            }
        }

        foreach (var entry in found.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            yield return entry;
        }
    }

    /// <inheritdoc />
    public async Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        using var request = new HttpRequestMessage(HttpMethod.Get, MetadataUri(name));
        var response = await SendAsync(request, "read a metadata object", cancellationToken).ConfigureAwait(false);
        try
        {
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                response.Dispose();
                return null;
            }

            ThrowUnlessSuccess(response, $"read the metadata object {name}", null);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new OwnedReadStream(body, response.Dispose, e => e is IOException or HttpRequestException
                ? new HostUnavailableException(Name, $"Host '{Name}': the connection failed while sending the metadata object {name}: {e.Message}", e)
                : null);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DeleteMetadataAsync(string name, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        using var request = new HttpRequestMessage(HttpMethod.Delete, MetadataUri(name));
        using var response = await SendAsync(request, "delete a metadata object", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not HttpStatusCode.NotFound and not HttpStatusCode.Gone)
        {
            ThrowUnlessSuccess(response, $"delete the metadata object {name}", null);
        }
    }

    private Uri MetadataUri(string name) => new(_base, MetadataNames.Folder + "/" + EscapeName(name));

    private static string EscapeName(string name) => string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
}
