using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.S3;

/// <summary>Where and as whom to reach S3, following the AWS Tools for PowerShell conventions.</summary>
/// <remarks>
/// Credentials: an access key pair if given, else the named profile, else the AWS SDK's default chain
/// (environment, shared credentials file, instance role). The endpoint defaults to
/// <c>AWS_ENDPOINT_URL_S3</c>, then <c>AWS_ENDPOINT_URL</c>; a custom endpoint (MinIO, Ceph, s3rver, LocalStack)
/// is addressed path-style. The environment's credentials go only to the environment's endpoint (or AWS): an endpoint
/// named by <see cref="EndpointUrl"/> alone needs its own key pair or profile. <see cref="ToString"/> never shows the secret key.
/// </remarks>
public sealed class S3Connection
{
    public string? EndpointUrl { get; init; }

    public string? Region { get; init; }

    public string? ProfileName { get; init; }

    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    public string? SessionToken { get; init; }

    /// <summary>Retries of a failed request (throttling, 5xx, dropped connections) by the SDK's standard retry mode.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Per-request timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    private string? ResolvedEndpoint => EndpointUrl ?? EnvironmentEndpoint;

    private static string? EnvironmentEndpoint =>
        NonEmpty(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3")) ?? NonEmpty(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"));

    /// <summary>The server as the journal names it: the endpoint's "host:port" in lower case, or AWS S3's regional host.</summary>
    public string Server => ResolvedEndpoint is { } endpoint && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
        ? Status.SyncEndpoint.ServerOf(uri.Host, uri.Port)
        : $"s3.{Region ?? "us-east-1"}.amazonaws.com";

    /// <summary>A bucket (and a key in it) on this endpoint, for the journal.</summary>
    public Status.SyncEndpoint Endpoint(string bucket, params string[] key) => new(Status.SyncEndpoint.S3, Server, bucket, key);

    /// <summary>Where requests go, for messages: the endpoint, or "AWS S3 (region)".</summary>
    public string Describe() => ResolvedEndpoint ?? $"AWS S3 ({Region ?? "default region"})";

    public override string ToString()
    {
        var who = AccessKey is not null ? $"access key {Redaction.MaskKey(AccessKey)}"
            : ProfileName is not null ? $"profile '{ProfileName}'"
            : "default credential chain";
        return $"{Describe()}, {who}";
    }

    public IAmazonS3 CreateClient()
    {
        var config = new AmazonS3Config
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = MaxRetries,
            Timeout = Timeout,
        };
        if (ResolvedEndpoint is { } endpoint)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new SyncToolsException($"The S3 endpoint '{endpoint}' is not an http(s) URL.", JobErrorCategory.InvalidArgument, "S3EndpointInvalid", endpoint);
            }

            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = Region ?? "us-east-1";
            // S3-compatible servers may store aws-chunked bodies' markers as data: ask for checksums only when required.
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else if (Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        }

        var credentials = ResolveCredentials();
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    private AWSCredentials? ResolveCredentials()
    {
        if (AccessKey is not null || SecretKey is not null)
        {
            if (string.IsNullOrEmpty(AccessKey) || string.IsNullOrEmpty(SecretKey))
            {
                throw new SyncToolsException("Give both the S3 access key and the secret key, or neither.", JobErrorCategory.InvalidArgument, "S3CredentialsIncomplete");
            }

            return SessionToken is null
                ? new BasicAWSCredentials(AccessKey, SecretKey)
                : new SessionAWSCredentials(AccessKey, SecretKey, SessionToken);
        }

        if (ProfileName is not null)
        {
            return new CredentialProfileStoreChain().TryGetAWSCredentials(ProfileName, out var credentials)
                ? credentials
                : throw new SyncToolsException($"The AWS credential profile '{ProfileName}' was not found.", JobErrorCategory.ObjectNotFound, "S3ProfileNotFound", ProfileName);
        }

        // The SDK's chain (environment, shared files, instance role) holds the credentials of the environment's endpoint.
        if (EndpointUrl is { } named && !string.Equals(named.TrimEnd('/'), EnvironmentEndpoint?.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            throw new SyncToolsException(
                $"No credentials were given for the S3 endpoint {named}: the environment's AWS credentials belong to {EnvironmentEndpoint ?? "AWS S3"} and are not sent to another endpoint. Give -Credential (access key id and secret key) or -ProfileName, or set AWS_ENDPOINT_URL_S3 to this endpoint.",
                JobErrorCategory.InvalidArgument, "S3CredentialsNotGiven", named);
        }

        return null;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
