namespace CloudManager.Hosts.S3;

/// <summary>Settings of an <c>s3</c> host.</summary>
public sealed class S3HostOptions
{
    /// <summary>The S3-compatible server, for anything but Amazon S3 itself (MinIO, Ceph, R2, Wasabi, ...).</summary>
    /// <value>Default null: Amazon S3 in <see cref="Region"/>.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>The region; S3-compatible servers usually accept any.</summary>
    /// <value>Default <c>us-east-1</c>.</value>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The bucket, which must exist.</summary>
    /// <value>Required.</value>
    public string Bucket { get; set; } = "";

    /// <summary>A key prefix under which the copies live (<c>PREFIX/ab/abcdef…</c>), so that one bucket can hold several pools.</summary>
    /// <value>Default empty: the bucket's root.</value>
    public string Prefix { get; set; } = "";

    /// <summary>Address the bucket in the path (<c>http://server/bucket/key</c>) rather than in the host name; most S3-compatible servers need it.</summary>
    /// <value>Default false.</value>
    public bool PathStyle { get; set; }

    /// <summary>The access key id. The factory reads it from the environment variable named by <c>accessKeyEnv</c>.</summary>
    /// <value>Default null: the AWS SDK's standard credential chain (environment, profile, instance role).</value>
    public string? AccessKey { get; set; }

    /// <summary>The secret access key, read like <see cref="AccessKey"/> (setting <c>secretKeyEnv</c>).</summary>
    /// <value>Default null. Never printed.</value>
    public string? SecretKey { get; set; }

    /// <summary>A session token for temporary credentials (setting <c>sessionTokenEnv</c>).</summary>
    /// <value>Default null.</value>
    public string? SessionToken { get; set; }

    /// <summary>Files at least this large go up as multipart uploads, part by part from the file, never whole in memory.</summary>
    /// <value>Default 64 MiB; at least <see cref="PartSize"/>.</value>
    public long MultipartThreshold { get; set; } = 64L << 20;

    /// <summary>The size of one part of a multipart upload; S3 allows at most 10,000 parts per object.</summary>
    /// <value>Default 16 MiB; 5 MiB to 1 GiB (each part is read into memory before it is sent).</value>
    public long PartSize { get; set; } = 16L << 20;

    /// <summary>
    /// Send the SDK's flexible checksums (CRC32 trailers, <c>aws-chunked</c> bodies) with every upload.
    /// Several S3-compatible servers store such bodies wrongly; the pool verifies SHA-256 on every
    /// read anyway.
    /// </summary>
    /// <value>Default false: checksums only where S3 requires them.</value>
    public bool FlexibleChecksums { get; set; }

    /// <summary>How long to wait for a connection before the host counts as unavailable.</summary>
    /// <value>Default 15 seconds; more than zero.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many transfers run against the bucket at once.</summary>
    /// <value>Default 4; 1 to 64.</value>
    public int MaxConcurrentTransfers { get; set; } = 4;
}
