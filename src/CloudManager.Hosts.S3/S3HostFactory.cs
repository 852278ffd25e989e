namespace CloudManager.Hosts.S3;

/// <summary>Builds <see cref="S3Host"/>s: the <c>s3</c> kind. Add it to a registry with <c>HostRegistry.CreateDefault().Add(new S3HostFactory())</c>.</summary>
/// <remarks>
/// <code>
/// { "name": "minio", "kind": "s3", "settings": { "endpoint": "http://127.0.0.1:9000", "bucket": "pool", "pathStyle": "true",
///   "accessKeyEnv": "POOL_MINIO_ACCESS_KEY", "secretKeyEnv": "POOL_MINIO_SECRET_KEY" } }
/// </code>
/// Settings: <c>bucket</c> (required), <c>endpoint</c>, <c>region</c> (default us-east-1), <c>prefix</c>,
/// <c>pathStyle</c>, <c>accessKeyEnv</c>, <c>secretKeyEnv</c>, <c>sessionTokenEnv</c> (environment
/// variables holding the credentials; without them the AWS SDK's standard chain is used),
/// <c>multipartThresholdBytes</c>, <c>partSizeBytes</c>, <c>flexibleChecksums</c>,
/// <c>connectTimeoutSeconds</c>, <c>maxConcurrentTransfers</c>.
/// </remarks>
public sealed class S3HostFactory : IStorageHostFactory
{
    /// <inheritdoc />
    public string Kind => "s3";

    /// <inheritdoc />
    public IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings)
    {
        var read = new HostSettings(
            name, Kind, settings, "endpoint", "region", "bucket", "prefix", "pathStyle", "accessKeyEnv", "secretKeyEnv", "sessionTokenEnv",
            "multipartThresholdBytes", "partSizeBytes", "flexibleChecksums", "connectTimeoutSeconds", "maxConcurrentTransfers");
        Uri? endpoint = null;
        if (read.Optional("endpoint") is { } text && !Uri.TryCreate(text, UriKind.Absolute, out endpoint))
        {
            throw new ArgumentException($"Host '{name}': setting 'endpoint' must be an absolute http:// or https:// URL, not '{text}'.", "endpoint");
        }

        var defaults = new S3HostOptions();
        var accessKey = read.SecretFromEnvironment("accessKeyEnv");
        var secretKey = read.SecretFromEnvironment("secretKeyEnv");
        if ((accessKey is null) != (secretKey is null))
        {
            throw new ArgumentException($"Host '{name}': set both 'accessKeyEnv' and 'secretKeyEnv', or neither to use the AWS credential chain.", accessKey is null ? "accessKeyEnv" : "secretKeyEnv");
        }

        return new S3Host(name, new S3HostOptions
        {
            Endpoint = endpoint,
            Region = read.Text("region", defaults.Region),
            Bucket = read.Required("bucket"),
            Prefix = read.Text("prefix", ""),
            PathStyle = read.Boolean("pathStyle", false),
            AccessKey = accessKey,
            SecretKey = secretKey,
            SessionToken = read.SecretFromEnvironment("sessionTokenEnv"),
            MultipartThreshold = read.Int64("multipartThresholdBytes", defaults.MultipartThreshold, 5L << 20, long.MaxValue),
            PartSize = read.Int64("partSizeBytes", defaults.PartSize, 5L << 20, 5L << 30),
            FlexibleChecksums = read.Boolean("flexibleChecksums", false),
            ConnectTimeout = read.Seconds("connectTimeoutSeconds", defaults.ConnectTimeout),
            MaxConcurrentTransfers = read.Int32("maxConcurrentTransfers", defaults.MaxConcurrentTransfers, 1, 64),
        });
    }
}
