namespace CloudManager.Hosts.S3;

/// <summary>Builds <see cref="S3Host"/>s: the <c>s3</c> kind. Add it to a registry with <c>HostRegistry.CreateDefault().Add(new S3HostFactory())</c>.</summary>
/// <remarks>
/// <code>
/// { "name": "minio", "kind": "s3", "settings": { "endpoint": "http://127.0.0.1:9000", "bucket": "pool", "pathStyle": "true",
///   "accessKeyEnv": "POOL_MINIO_ACCESS_KEY", "secretKeyEnv": "POOL_MINIO_SECRET_KEY" } }
/// </code>
/// Settings: see <see cref="Options"/>. Without <c>accessKeyEnv</c> and <c>secretKeyEnv</c> the AWS
/// SDK's standard credential chain is used.
/// </remarks>
public sealed class S3HostFactory : IStorageHostFactory
{
    private static readonly S3HostOptions Defaults = new();

    /// <inheritdoc />
    public string Kind => "s3";

    /// <inheritdoc />
    public IReadOnlyList<HostOption> Options { get; } =
    [
        new("bucket", "The bucket; it must exist (a missing bucket is a refusal, never \"absent\").", Required: true),
        new("endpoint", "The URL of an S3-compatible server (MinIO, Ceph, R2, ...); without it, Amazon S3."),
        new("region", "The signing region; S3-compatible servers usually accept any.", Defaults.Region),
        new("prefix", "A key prefix under which the copies live, so that one bucket can hold several pools; without it, the bucket's root."),
        HostOption.Boolean("pathStyle", "true for http://server/bucket/key addressing (most S3-compatible servers).", Defaults.PathStyle),
        new("accessKeyEnv", "The environment variable holding the access key id; without it and secretKeyEnv, the AWS credential chain."),
        new("secretKeyEnv", "The environment variable holding the secret access key."),
        new("sessionTokenEnv", "The environment variable holding a session token for temporary credentials."),
        HostOption.WholeNumber(
            "multipartThresholdBytes", "Files at least this large go up as multipart uploads.", Defaults.MultipartThreshold, 5L << 20, long.MaxValue),
        HostOption.WholeNumber("partSizeBytes", "The size of one part of a multipart upload.", Defaults.PartSize, 5L << 20, 1L << 30),
        HostOption.Boolean(
            "flexibleChecksums", "true to send the SDK's CRC32 trailers (aws-chunked bodies); several S3-compatible servers store such bodies wrongly.", Defaults.FlexibleChecksums),
        HostOption.Seconds("connectTimeoutSeconds", "How long to wait for a connection before the host counts as unavailable.", Defaults.ConnectTimeout),
        HostOption.WholeNumber("maxConcurrentTransfers", "How many transfers run against the bucket at once.", Defaults.MaxConcurrentTransfers, 1, 64),
    ];

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(name, Kind, settings, Options);
        Uri? endpoint = null;
        if (read.Optional("endpoint") is { } text && !Uri.TryCreate(text, UriKind.Absolute, out endpoint))
        {
            throw new ArgumentException($"Host '{name}': setting 'endpoint' must be an absolute http:// or https:// URL, not '{text}'.", "endpoint");
        }

        var accessKey = read.SecretFromEnvironment("accessKeyEnv");
        var secretKey = read.SecretFromEnvironment("secretKeyEnv");
        if ((accessKey is null) != (secretKey is null))
        {
            throw new ArgumentException($"Host '{name}': set both 'accessKeyEnv' and 'secretKeyEnv', or neither to use the AWS credential chain.", accessKey is null ? "accessKeyEnv" : "secretKeyEnv");
        }

        return new S3Host(name, new S3HostOptions
        {
            Endpoint = endpoint,
            Region = read.Text("region"),
            Bucket = read.Required("bucket"),
            Prefix = read.Optional("prefix") ?? "",
            PathStyle = read.Boolean("pathStyle"),
            AccessKey = accessKey,
            SecretKey = secretKey,
            SessionToken = read.SecretFromEnvironment("sessionTokenEnv"),
            MultipartThreshold = read.Int64("multipartThresholdBytes"),
            PartSize = read.Int64("partSizeBytes"),
            FlexibleChecksums = read.Boolean("flexibleChecksums"),
            ConnectTimeout = read.Seconds("connectTimeoutSeconds"),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers"),
        });
    }
}
