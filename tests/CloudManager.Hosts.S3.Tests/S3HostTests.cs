using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CloudManager.Hosts;
using CloudManager.Hosts.S3;
using CloudManager.Testing;
using CloudManager.Testing.Conformance;

namespace CloudManager.Hosts.S3.Tests;

/// <summary>S3 hosts on the s3rver that eng/services/s3.sh runs, each under a fresh prefix of one bucket.</summary>
public sealed class S3HostFixture : IStorageHostFixture
{
    private readonly HostPlaces _places = new();

    public Task<IStorageHost> CreateHostAsync() => CreateAt($"pool-{Guid.NewGuid():N}");

    public Task<IStorageHost> CreateSamePlaceHostAsync(IStorageHost host) => CreateAt(_places.Of(host));

    /// <summary>Puts the bytes with a bare S3 client, past the host.</summary>
    public async Task WriteMarkerBytesAsync(IStorageHost host, byte[] bytes)
    {
        var options = Options(_places.Of(host));
        using var client = new AmazonS3Client(
            new BasicAWSCredentials(options.AccessKey, options.SecretKey),
            new AmazonS3Config
            {
                ServiceURL = options.Endpoint!.AbsoluteUri,
                ForcePathStyle = true,
                AuthenticationRegion = options.Region,
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            });
        using var body = new MemoryStream(bytes);
        await client.PutObjectAsync(
            new PutObjectRequest { BucketName = options.Bucket, Key = $"{options.Prefix}/{HostMarker.ObjectName}", InputStream = body, UseChunkEncoding = false },
            TestContext.Current.CancellationToken);
    }

    private Task<IStorageHost> CreateAt(string prefix) => Task.FromResult(_places.Remember(new S3Host("s3", Options(prefix)), prefix));

    public Task<IStorageHost> CreateUnavailableHostAsync()
    {
        var options = Options("down");
        options.Endpoint = new Uri($"http://127.0.0.1:{ClosedPort()}");
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        return Task.FromResult<IStorageHost>(new S3Host("s3-down", options));
    }

    public static S3HostOptions Options(string prefix) => new()
    {
        Endpoint = new Uri(TestServers.Require("POOL_TEST_S3_ENDPOINT", "eng/services/s3.sh")),
        Bucket = TestServers.Require("POOL_TEST_S3_BUCKET", "eng/services/s3.sh"),
        AccessKey = TestServers.Require("POOL_TEST_S3_ACCESS_KEY", "eng/services/s3.sh"),
        SecretKey = TestServers.Require("POOL_TEST_S3_SECRET_KEY", "eng/services/s3.sh"),
        PathStyle = true,
        Prefix = prefix,
    };

    /// <summary>A loopback port nothing listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class S3HostTests(S3HostFixture fixture) : StorageHostConformanceTests<S3HostFixture>(fixture), IClassFixture<S3HostFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UploadAsync_uses_multipart_above_the_threshold_and_round_trips()
    {
        var options = S3HostFixture.Options($"pool-{Guid.NewGuid():N}");
        options.PartSize = 5L << 20;
        options.MultipartThreshold = 5L << 20;
        await using var host = new S3Host("s3", options);
        var (content, path, bytes) = MakeContent((11 << 20) + 7, 11);
        var locator = await host.UploadAsync(content, path, Token);
        Assert.Equal(content.Length, Assert.Single(await host.ListAsync(Token).ToListAsync(Token)).Length);
        await using var stream = await host.OpenReadAsync(content, locator, Token);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Token);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task Missing_bucket_is_a_refusal_never_absent()
    {
        var options = S3HostFixture.Options("pool");
        options.Bucket = $"missing-{Guid.NewGuid():N}"[..40];
        await using var host = new S3Host("s3", options);
        var (content, path, _) = MakeContent(10);
        var locator = new HostLocator(ContentKeys.Of(content.Hash));
        var exists = await Assert.ThrowsAsync<HostOperationException>(() => host.ExistsAsync(content, locator, Token));
        Assert.False(exists.IsTransient);
        await Assert.ThrowsAsync<HostOperationException>(() => host.OpenReadAsync(content, locator, Token));
        await Assert.ThrowsAsync<HostOperationException>(() => host.UploadAsync(content, path, Token));
    }

    [Fact]
    public async Task Hosts_with_different_prefixes_do_not_see_each_other()
    {
        await using var first = await Fixture.CreateHostAsync();
        await using var second = await Fixture.CreateHostAsync();
        var (content, path, _) = MakeContent(100);
        var locator = await first.UploadAsync(content, path, Token);
        Assert.False(await second.ExistsAsync(content, locator, Token));
        Assert.Empty(await second.ListAsync(Token).ToListAsync(Token));
    }

    [Fact]
    public void Factory_reads_credentials_from_the_environment_variables_it_is_given()
    {
        var factory = new S3HostFactory();
        var variable = $"POOL_TEST_S3_SECRET_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "secret");
        try
        {
            var host = factory.Create("s3", new Dictionary<string, string>
            {
                ["endpoint"] = "http://127.0.0.1:9",
                ["bucket"] = "b",
                ["pathStyle"] = "true",
                ["accessKeyEnv"] = variable,
                ["secretKeyEnv"] = variable,
            });
            Assert.Equal("s3", host.Kind);
            Assert.DoesNotContain("secret", host.ToString(), StringComparison.Ordinal);
            var missing = Assert.Throws<ArgumentException>(() => factory.Create("s3", new Dictionary<string, string>
            {
                ["bucket"] = "b",
                ["accessKeyEnv"] = variable + "_MISSING",
                ["secretKeyEnv"] = variable,
            }));
            Assert.Contains(variable + "_MISSING", missing.Message, StringComparison.Ordinal);
            var unknown = Assert.Throws<ArgumentException>(() => factory.Create("s3", new Dictionary<string, string> { ["bucket"] = "b", ["secretKey"] = "x" }));
            Assert.Contains("'secretKey'", unknown.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}

[Collection(LargeContentCollection.Name)]
public sealed class S3HostLargeContentTests(S3HostFixture fixture)
    : LargeContentConformanceTests<S3HostFixture>(fixture), IClassFixture<S3HostFixture>;

public sealed class EncryptedS3HostFixture() : EncryptedHostFixture(new S3HostFixture());

public sealed class EncryptedS3HostConformanceTests(EncryptedS3HostFixture fixture)
    : EncryptedStorageHostConformanceTests<EncryptedS3HostFixture>(fixture), IClassFixture<EncryptedS3HostFixture>;
