using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace CloudManager.Hosts.S3;

// Metadata objects: PREFIX/cloud-manager-meta/NAME, each one PUT (S3 publishes an object whole).
public sealed partial class S3Host
{
    /// <inheritdoc />
    public async Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            content.Position = 0;
            using var body = new MemoryStream();
            await content.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
            body.Position = 0;
            await _client.PutObjectAsync(
                new PutObjectRequest { BucketName = _options.Bucket, Key = MetadataKey(name), InputStream = body, UseChunkEncoding = _options.FlexibleChecksums },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, $"write the metadata object {name}", null);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        MetadataNames.CheckPrefix(prefix, nameof(prefix));
        var top = _prefix + MetadataNames.Folder + "/";
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = prefix.Length == 0 ? top : top + prefix + "/" };
        var found = new List<MetadataEntry>();
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsHostError(e, cancellationToken))
            {
                throw Classify(e, "list metadata objects", null);
            }

            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[top.Length..];
                if (MetadataNames.IsValid(name) && MetadataNames.IsUnder(name, prefix))
                {
                    found.Add(new MetadataEntry(name, item.Size ?? 0));
                }
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                break;
            }

            request.ContinuationToken = page.NextContinuationToken;
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
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(_options.Bucket, MetadataKey(name), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, $"read the metadata object {name}", null);
        }

        return new OwnedReadStream(response.ResponseStream, response.Dispose, e => e is IOException or HttpRequestException
            ? new HostUnavailableException(Name, $"Host '{Name}': the connection failed while sending the metadata object {name}: {e.Message}", e)
            : null);
    }

    /// <inheritdoc />
    public async Task DeleteMetadataAsync(string name, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await _client.DeleteObjectAsync(_options.Bucket, MetadataKey(name), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            // Absent is what was asked for.
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, $"delete the metadata object {name}", null);
        }
    }

    private string MetadataKey(string name) => $"{_prefix}{MetadataNames.Folder}/{name}";
}
