using System.IO.Compression;
using System.Text;
using SyncTools.Core.Jobs;
using SyncTools.Core.S3;
using SyncTools.Core.Tests.Support;
using SyncTools.Core.TowAndGo;

namespace SyncTools.Core.Tests.TowAndGo;

/// <summary>Send-TowAndGoData's engine against the test S3 server (s3rver): what lands is read back byte for byte.</summary>
public class SendTowAndGoJobTests : IAsyncLifetime
{
    private const string Json = """
        {"last_modified": 1684216515, "tow_and_go": [
          {"link_id": 17806054, "segment_id": 457160414},
          {"link_id": 17857686, "segment_id": null}
        ]}
        """;

    private readonly S3TestBucket _bucket = new();

    public Task InitializeAsync() => _bucket.InitializeAsync();

    public Task DisposeAsync() => _bucket.DisposeAsync();

    private TowAndGoUploadOptions Options(string json = Json) => new()
    {
        Snapshot = SnapshotInput.FromText(json, "-Json"),
        Bucket = _bucket.Name,
        Connection = _bucket.Connection,
    };

    private static Task<TowAndGoUploadResult?> Run(TowAndGoUploadOptions options, RecordingReporter? reporter = null) =>
        SendTowAndGoJob.RunAsync(options, reporter ?? new RecordingReporter(), CancellationToken.None);

    [Fact]
    public async Task Uploads_the_exact_bytes_as_json_under_the_default_key()
    {
        var result = await Run(Options());

        Assert.NotNull(result);
        Assert.Equal("tow-and-go/2023/05/16/tow-and-go-1684216515.json", result.Key);
        var (bytes, response) = await _bucket.ReadAsync(result.Key);
        Assert.Equal(Encoding.UTF8.GetBytes(Json), bytes);
        Assert.Equal("application/json", response.Headers.ContentType);
        Assert.Equal(response.ETag.Trim('"'), result.ETag);
        Assert.Equal(_bucket.Name, result.Bucket);
        Assert.Equal(Json.Length, result.Bytes);
        Assert.Equal(2, result.LinkCount);
        Assert.Equal(1, result.NullSegmentCount);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1684216515), result.SnapshotTime);
        Assert.False(result.Compressed);
        Assert.Equal("Send-TowAndGoData", result.Job);
        Assert.NotEqual(Guid.Empty, result.RunId);
    }

    [Fact]
    public async Task Compress_stores_gzip_with_its_content_encoding()
    {
        var result = await Run(Options() with { Compress = true });

        Assert.NotNull(result);
        Assert.EndsWith(".json.gz", result.Key);
        var (bytes, response) = await _bucket.ReadAsync(result.Key);
        Assert.Equal("gzip", response.Headers.ContentEncoding);
        Assert.Equal(result.Bytes, bytes.Length);
        using var gunzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await gunzip.CopyToAsync(plain);
        Assert.Equal(Encoding.UTF8.GetBytes(Json), plain.ToArray());
        Assert.True(result.Compressed);
    }

    [Fact]
    public async Task A_second_upload_to_the_same_key_overwrites_it()
    {
        await Run(Options() with { Key = "latest.json" });
        var second = """{"last_modified": 1684216600, "tow_and_go": []}""";

        await Run(Options(second) with { Key = "latest.json" });

        Assert.Equal(Encoding.UTF8.GetBytes(second), (await _bucket.ReadAsync("latest.json")).Bytes);
    }

    [Fact]
    public async Task Server_side_encryption_is_requested()
    {
        var result = await Run(Options() with { ServerSideEncryption = "AES256" });
        Assert.NotNull(result);
        Assert.Equal(Encoding.UTF8.GetBytes(Json), (await _bucket.ReadAsync(result.Key)).Bytes);
    }

    [Fact]
    public async Task An_invalid_snapshot_uploads_nothing()
    {
        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options("""{"last_modified": 1, "tow_and_go": [{"link_id": 1}]}""")));

        Assert.Equal("SnapshotInvalid", error.ErrorId);
        Assert.Empty(await _bucket.KeysAsync());
    }

    [Fact]
    public async Task A_declined_write_validates_asks_and_uploads_nothing()
    {
        var reporter = new RecordingReporter(approve: false);

        Assert.Null(await Run(Options(), reporter));

        var (target, action) = Assert.Single(reporter.Questions);
        Assert.Equal($"s3://{_bucket.Name}/tow-and-go/2023/05/16/tow-and-go-1684216515.json", target);
        Assert.Equal($"Upload Tow-and-Go snapshot of 2 links taken 2023-05-16 05:55:15Z ({Json.Length} bytes)", action);
        Assert.Empty(await _bucket.KeysAsync());
    }

    [Fact]
    public async Task A_missing_bucket_is_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Bucket = "no-such-bucket-here" }));

        Assert.Equal("S3BucketNotFound", error.ErrorId);
        Assert.Equal(JobErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal($"The S3 bucket 'no-such-bucket-here' does not exist at {TestServices.S3Endpoint}.", error.Message);
    }

    [Fact]
    public async Task WhatIf_checks_the_bucket_too()
    {
        var reporter = new RecordingReporter(approve: false);

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => SendTowAndGoJob.RunAsync(Options() with { Bucket = "no-such-bucket-here" }, reporter, CancellationToken.None));

        Assert.Equal("S3BucketNotFound", error.ErrorId);
        Assert.Empty(reporter.Questions);
    }

    [Fact]
    public async Task No_region_and_no_endpoint_says_which_parameter_or_variable_to_set()
    {
        var saved = (Environment.GetEnvironmentVariable("AWS_REGION"), Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"));
        Environment.SetEnvironmentVariable("AWS_REGION", null);
        Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", null);
        try
        {
            var connection = new S3Connection { AccessKey = "a", SecretKey = "b" };

            var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Connection = connection }));

            Assert.Equal(("S3RegionMissing", JobErrorCategory.InvalidArgument), (error.ErrorId, error.Category));
            Assert.Contains("-Region", error.Message);
            Assert.Contains("-EndpointUrl", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_REGION", saved.Item1);
            Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", saved.Item2);
        }
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper-Case")]
    [InlineData("under_score")]
    [InlineData("dots..twice")]
    public async Task A_bucket_name_S3_would_refuse_is_refused_before_any_request(string bucket)
    {
        var options = Options() with { Bucket = bucket, Connection = new S3Connection { EndpointUrl = "http://127.0.0.1:1" } };

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(options));

        Assert.Equal("S3BucketNameInvalid", error.ErrorId);
    }

    [Fact]
    public async Task Wrong_credentials_are_an_authentication_error_that_hides_the_secret()
    {
        // s3rver checks the access key id but not SigV4 signatures, so the key id is the wrong part here.
        var connection = new S3Connection { EndpointUrl = TestServices.S3Endpoint, AccessKey = "UNKNOWNKEY", SecretKey = "not-the-secret-key" };

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Connection = connection }));

        Assert.Equal(JobErrorCategory.AuthenticationError, error.Category);
        Assert.DoesNotContain("not-the-secret-key", error.ToString());
        Assert.DoesNotContain("not-the-secret-key", connection.ToString());
        Assert.Empty(await _bucket.KeysAsync());
    }

    [Fact]
    public async Task An_endpoint_named_without_credentials_of_its_own_gets_none_of_the_environments()
    {
        var saved = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTKEY");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "environment-secret");
        try
        {
            var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Connection = new S3Connection { EndpointUrl = TestServices.S3Endpoint } }));

            Assert.Equal(("S3CredentialsNotGiven", JobErrorCategory.InvalidArgument), (error.ErrorId, error.Category));
            Assert.Contains("Give -Credential (access key id and secret key) or -ProfileName", error.Message);
            Assert.DoesNotContain("AKIAENVIRONMENTKEY", error.ToString());
            Assert.Empty(await _bucket.KeysAsync());
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", saved.Item1);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", saved.Item2);
        }
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_a_connection_error()
    {
        var connection = new S3Connection { EndpointUrl = "http://127.0.0.1:9", AccessKey = "a", SecretKey = "b", MaxRetries = 1 };

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Connection = connection }));

        Assert.Equal("S3Unreachable", error.ErrorId);
        Assert.Equal(JobErrorCategory.ConnectionError, error.Category);
        Assert.StartsWith($"Cannot reach S3 at http://127.0.0.1:9 for s3://{_bucket.Name}", error.Message);
    }

    [Fact]
    public async Task A_missing_file_is_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.json");
        var error = Assert.Throws<SyncToolsException>(() => SnapshotInput.FromFile(path));
        Assert.Equal($"The snapshot file '{path}' does not exist.", error.Message);
        Assert.Empty(await _bucket.KeysAsync());
    }

    [Fact]
    public async Task An_object_graph_is_uploaded_as_its_json()
    {
        var graph = new Dictionary<string, object?>
        {
            ["last_modified"] = 1684216515L,
            ["tow_and_go"] = new List<object?> { new Dictionary<string, object?> { ["link_id"] = 5, ["segment_id"] = null } },
        };

        var result = await Run(Options() with { Snapshot = SnapshotInput.FromObject(graph, "pipeline input (object)") });

        Assert.NotNull(result);
        Assert.Equal("""{"last_modified":1684216515,"tow_and_go":[{"link_id":5,"segment_id":null}]}""", Encoding.UTF8.GetString((await _bucket.ReadAsync(result.Key)).Bytes));
    }

    [Fact]
    public async Task Upload_progress_is_reported_in_bytes()
    {
        var links = string.Join(",", Enumerable.Range(1, 50_000).Select(i => $$"""{"link_id": {{i}}, "segment_id": {{i}}}"""));
        var json = $$"""{"last_modified": 1684216515, "tow_and_go": [{{links}}]}""";
        var reporter = new RecordingReporter();

        var result = await Run(Options(json), reporter);

        var upload = reporter.Progresses.Where(p => p.Activity.StartsWith("Uploading s3://", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(upload);
        Assert.Equal(result!.Bytes, upload[^1].Done);
        Assert.Equal(Encoding.UTF8.GetBytes(json), (await _bucket.ReadAsync(result.Key)).Bytes);
    }
}
