using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace CloudManager.Hosts.S3;

/// <summary>
/// Keeps copies in an S3 bucket: Amazon S3 or any S3-compatible server, through the AWS SDK.
/// </summary>
/// <remarks>
/// <para>Configuration:</para>
/// <code>
/// { "name": "minio", "kind": "s3", "settings": { "endpoint": "http://127.0.0.1:9000", "bucket": "pool", "prefix": "node-a",
///   "pathStyle": "true", "accessKeyEnv": "POOL_MINIO_ACCESS_KEY", "secretKeyEnv": "POOL_MINIO_SECRET_KEY" } }
/// </code>
/// <para>Keys: <c>PREFIX/ab/abcdef…</c>. S3 publishes an object only when its upload completes, so
/// no temp name is needed: a single PUT below <see cref="S3HostOptions.MultipartThreshold"/>, above
/// it a multipart upload whose parts are read from the file one at a time and which is aborted on
/// failure or cancellation. Presence is a HEAD request. The identity marker is
/// <c>PREFIX/cloud-manager-host.json</c>.</para>
/// <para>404 means absent; no answer, timeouts, 5xx, 408 and 429 (throttling) mean unavailable;
/// 403 and other refusals are <see cref="HostOperationException"/>s. The SDK's own retries are
/// turned off: retries belong to the resilience decorator.</para>
/// </remarks>
public sealed partial class S3Host : IStorageHost
{
    private readonly S3HostOptions _options;
    private readonly AmazonS3Client _client;
    private readonly string _prefix;
    private volatile bool _bucketSeen;

    /// <summary>Creates a host over a bucket; nothing is contacted until the first call.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public S3Host(string name, S3HostOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Region, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartSize, 5L << 20, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.PartSize, MaxBodySize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MultipartThreshold, options.PartSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentTransfers, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxConcurrentTransfers, 64, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ConnectTimeout, TimeSpan.Zero, nameof(options));
        if (options.Endpoint is { } endpoint && endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("S3HostOptions.Endpoint must be an http:// or https:// URL.", nameof(options));
        }

        if ((options.AccessKey is null) != (options.SecretKey is null))
        {
            throw new ArgumentException("Set both S3HostOptions.AccessKey and SecretKey, or neither.", nameof(options));
        }

        Name = name;
        _options = options;
        _prefix = options.Prefix.Trim('/') is { Length: > 0 } prefix ? prefix + "/" : "";
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            MaxErrorRetry = 0,
            ConnectTimeout = options.ConnectTimeout,
            RequestChecksumCalculation = options.FlexibleChecksums ? RequestChecksumCalculation.WHEN_SUPPORTED : RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = options.FlexibleChecksums ? ResponseChecksumValidation.WHEN_SUPPORTED : ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.Endpoint is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl.AbsoluteUri;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        _client = options.AccessKey is { } accessKey
            ? new AmazonS3Client(
                options.SessionToken is { } token ? new SessionAWSCredentials(accessKey, options.SecretKey, token) : new BasicAWSCredentials(accessKey, options.SecretKey),
                config)
            : new AmazonS3Client(config);
        Capabilities = new HostCapabilities(CanDelete: true, CanList: true, AssignsLocator: false, options.MaxConcurrentTransfers);
    }

    /// <summary>The largest request body: each is read into memory whole before it is sent (see <see cref="UploadAsync"/>).</summary>
    internal const long MaxBodySize = 1L << 30;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "s3";

    /// <inheritdoc />
    public HostCapabilities Capabilities { get; }

    /// <summary>The bucket.</summary>
    public string Bucket => _options.Bucket;

    /// <inheritdoc />
    public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        var key = ContentKeys.Of(content.Hash);
        if (await LengthAsync(key, cancellationToken).ConfigureAwait(false) == content.Length)
        {
            return new HostLocator(key);
        }

        try
        {
            // The source's stream fails on its last bytes when they are damaged. Each request body is
            // read whole into memory before it is sent (the SDK signs and may resend a body, so it wants
            // one it can rewind): the last body is complete only once the whole source was verified, so
            // a damaged source sends no last PUT or part, and a multipart upload is aborted below.
            var input = await source.OpenReadAsync(cancellationToken).ConfigureAwait(false);
            await using (input.ConfigureAwait(false))
            {
                if (content.Length < _options.MultipartThreshold && content.Length <= MaxBodySize)
                {
                    var body = await ReadBodyAsync(input, new byte[content.Length], (int)content.Length, last: true, cancellationToken).ConfigureAwait(false);
                    await _client.PutObjectAsync(
                        new PutObjectRequest { BucketName = _options.Bucket, Key = _prefix + key, InputStream = body, UseChunkEncoding = _options.FlexibleChecksums },
                        cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await UploadMultipartAsync(_prefix + key, input, content.Length, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is not ContentMismatchException && source.Mismatch is { } mismatch)
        {
            // The SDK wraps the source's error: the source is at fault, not this host.
            throw mismatch.Renew();
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, "store", null);
        }

        return new HostLocator(key);
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(_options.Bucket, _prefix + ContentKeys.Of(content.Hash), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, "read", content.Hash);
        }

        // Disposing the stream releases the response and its connection.
        return new OwnedReadStream(response.ResponseStream, response.Dispose, e => e is IOException or HttpRequestException
            ? new HostUnavailableException(Name, $"Host '{Name}': the connection failed while sending {content.Hash}: {e.Message}", e)
            : null);
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        await LengthAsync(ContentKeys.Of(content.Hash), cancellationToken).ConfigureAwait(false) == content.Length;

    /// <inheritdoc />
    public async Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // S3 answers 204 whether or not the key existed.
            await _client.DeleteObjectAsync(_options.Bucket, _prefix + ContentKeys.Of(content.Hash), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            // Some S3-compatible servers answer 404 for an absent key: absent is what was asked for.
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, "delete", null);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<HostEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _prefix };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsHostError(e, cancellationToken))
            {
                throw Classify(e, "list", null);
            }

            foreach (var item in page.S3Objects ?? [])
            {
                var key = item.Key[_prefix.Length..];
                if (ContentKeys.TryParse(key, out var hash))
                {
                    yield return new HostEntry(hash, item.Size ?? 0, new HostLocator(key));
                }
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <inheritdoc />
    /// <remarks><c>("s3", "host:port/bucket/prefix")</c>: the endpoint's host and port, or Amazon's for the region.</remarks>
    public HostLocation Location
    {
        get
        {
            var server = _options.Endpoint is { } endpoint ? $"{endpoint.Host}:{endpoint.Port}" : $"s3.{_options.Region}.amazonaws.com:443";
            return new HostLocation("s3", $"{server}/{_options.Bucket}{(_prefix.Length > 0 ? "/" + _prefix.TrimEnd('/') : "")}");
        }
    }

    /// <inheritdoc />
    /// <remarks>A GET of <c>PREFIX/cloud-manager-host.json</c>; a missing key means none, a missing bucket is a refusal.</remarks>
    /// <remarks>A marker whose bytes do not match the checksum the store sent with them (read while another
    /// node replaced it, on a store that is not atomic under that) is read again, three times at most.</remarks>
    public async Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadMarkerOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonClientException e) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt == 3)
                {
                    throw new HostUnavailableException(Name, $"Host '{Name}': the identity marker did not match its checksum three times: {e.Message}", e);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<HostMarker?> ReadMarkerOnceAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(_options.Bucket, _prefix + HostMarker.ObjectName, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, "read the identity marker", null);
        }

        using (response)
        {
            if (response.ContentLength > HostMarker.MaxBytes)
            {
                throw new HostMarkerException(Name, $"Host '{Name}': the identity marker {HostMarker.ObjectName} is {response.ContentLength} bytes, more than the {HostMarker.MaxBytes} a marker can be. Look at it; it is never replaced automatically.");
            }

            try
            {
                return await HostMarker.ReadAsync(Name, response.ResponseStream, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new HostUnavailableException(Name, $"Host '{Name}': the connection failed while reading the identity marker: {e.Message}", e);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads first; when there is no marker, PUTs it with <c>If-None-Match: *</c>, which S3 refuses
    /// (412) when the key appeared meanwhile. Servers that ignore the condition (several S3-compatible
    /// ones) let the last writer win, so the marker is then read back until two reads a moment apart
    /// agree, and that one is returned.
    /// </remarks>
    public async Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        if (await ReadMarkerAsync(cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var json = (proposed with { Kind = Kind }).ToJson();
        try
        {
            using var body = new MemoryStream(json, writable: false);
            await _client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = _options.Bucket,
                    Key = _prefix + HostMarker.ObjectName,
                    InputStream = body,
                    ContentType = "application/json",
                    IfNoneMatch = "*",
                    UseChunkEncoding = _options.FlexibleChecksums,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            // Another node wrote its marker first (409: a conditional write raced with another).
        }
        catch (Exception e) when (e is ArgumentException or AmazonClientException && e is not AmazonS3Exception && !cancellationToken.IsCancellationRequested)
        {
            // The server answered, but with headers the client cannot read (a store racing two writes of one key):
            // whether this write stood is unknown, so what stands is read back below.
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, "write the identity marker", null);
        }

        return await HostMarker.SettleAsync(
            ReadMarkerAsync,
            () => new HostUnavailableException(Name, $"Host '{Name}': the identity marker written to bucket '{_options.Bucket}' is gone again; is something else changing the bucket?"),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} (s3 {(_options.Endpoint is { } endpoint ? endpoint.GetLeftPart(UriPartial.Authority) + " " : "")}{_options.Bucket}/{_prefix})";

    private static bool IsHostError(Exception e, CancellationToken cancellationToken) =>
        e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>The length of the object at a key, or null when S3 says it is absent.</summary>
    private async Task<long?> LengthAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var metadata = await _client.GetObjectMetadataAsync(_options.Bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
            return metadata.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            // A HEAD answer has no body to tell a missing key from a missing bucket; a missing bucket
            // must not pass for "absent", so check the bucket once.
            await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, "look up", null);
        }
    }

    private async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (_bucketSeen)
        {
            return;
        }

        try
        {
            // A listing of the marker's name alone: it proves the bucket is there without walking the
            // metadata folders (a one-key listing over them makes some S3-compatible servers answer 500).
            await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _prefix + HostMarker.ObjectName, MaxKeys = 1 }, cancellationToken)
                .ConfigureAwait(false);
            _bucketSeen = true;
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            throw Classify(e, "find the bucket", null);
        }
    }

    /// <summary>
    /// Reads the next <paramref name="size"/> bytes of the source into <paramref name="buffer"/>; for
    /// the last body, also reads to the source's end, where a damaged source throws.
    /// </summary>
    private static async Task<MemoryStream> ReadBodyAsync(Stream input, byte[] buffer, int size, bool last, CancellationToken cancellationToken)
    {
        await input.ReadExactlyAsync(buffer.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
        if (last && await input.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
        {
            throw new IOException("The source holds more bytes than its length.");
        }

        return new MemoryStream(buffer, 0, size, writable: false);
    }

    private async Task UploadMultipartAsync(string key, Stream input, long length, CancellationToken cancellationToken)
    {
        var started = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = key }, cancellationToken)
            .ConfigureAwait(false);
        var completed = false;
        try
        {
            var parts = new List<PartETag>();
            var partNumber = 1;
            var buffer = new byte[Math.Min(_options.PartSize, length)];
            for (long position = 0; position < length; position += _options.PartSize, partNumber++)
            {
                var size = Math.Min(_options.PartSize, length - position);
                var part = await _client.UploadPartAsync(
                    new UploadPartRequest
                    {
                        BucketName = _options.Bucket,
                        Key = key,
                        UploadId = started.UploadId,
                        PartNumber = partNumber,
                        InputStream = await ReadBodyAsync(input, buffer, (int)size, position + size == length, cancellationToken).ConfigureAwait(false),
                        IsLastPart = position + size == length,
                        UseChunkEncoding = _options.FlexibleChecksums,
                    },
                    cancellationToken).ConfigureAwait(false);
                parts.Add(new PartETag(partNumber, part.ETag));
            }

            await _client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = _options.Bucket, Key = key, UploadId = started.UploadId, PartETags = parts },
                cancellationToken).ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                await AbortQuietlyAsync(key, started.UploadId).ConfigureAwait(false);
            }
        }
    }

    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            // The upload is already lost; give the clean-up a short, independent time limit.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = key, UploadId = uploadId }, limit.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or OperationCanceledException)
        {
            // Unfinished parts are invisible; a bucket lifecycle rule removes them for good.
        }
    }

    private StorageHostException Classify(Exception e, string operation, ContentHash? absentContent)
    {
        var message = $"Host '{Name}': S3 could not {operation} in bucket '{_options.Bucket}': {e.Message}";
        return e switch
        {
            AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } s3 when absentContent is { } hash && s3.ErrorCode != "NoSuchBucket" =>
                new ContentNotFoundException(Name, hash, e),
            AmazonServiceException service when (int)service.StatusCode >= 500
                || service.StatusCode is 0 or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
                || service.ErrorCode is "SlowDown" or "RequestTimeout" => new HostUnavailableException(Name, message, e),
            AmazonServiceException => new HostOperationException(Name, message, isTransient: false, e),
            _ => new HostUnavailableException(Name, message, e),
        };
    }
}
