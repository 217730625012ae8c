using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.S3;

/// <summary>Turns what the AWS SDK throws into an error that names the object and says what to do.</summary>
public static class S3Errors
{
    public static SyncToolsException Translate(Exception exception, S3Connection connection, string bucket, string? key)
    {
        var target = key is null ? $"s3://{bucket}" : $"s3://{bucket}/{key}";
        var where = connection.Describe();
        return exception switch
        {
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } e =>
                new($"The S3 bucket '{bucket}' does not exist at {where}.", JobErrorCategory.ObjectNotFound, "S3BucketNotFound", target, e),
            AmazonS3Exception { ErrorCode: "NoSuchKey" } e =>
                new($"The S3 object {target} does not exist at {where}.", JobErrorCategory.ObjectNotFound, "S3ObjectNotFound", target, e),
            AmazonS3Exception { ErrorCode: "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" } e =>
                new($"S3 at {where} refused the credentials ({e.ErrorCode}) for {target}: check the access key, secret key or profile.", JobErrorCategory.AuthenticationError, "S3AuthenticationFailed", target, e),
            AmazonS3Exception { StatusCode: HttpStatusCode.Forbidden } e =>
                new($"Access to {target} was denied at {where} ({e.ErrorCode}): the credentials lack permission.", JobErrorCategory.PermissionDenied, "S3AccessDenied", target, e),
            AmazonS3Exception { StatusCode: HttpStatusCode.NotFound, ErrorCode: null or "" or "NotFound" } e when key is null => // HEAD has no body to name the error
                new($"The S3 bucket '{bucket}' does not exist at {where}.", JobErrorCategory.ObjectNotFound, "S3BucketNotFound", target, e),
            AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } e =>
                new($"{target} was not found at {where} ({e.ErrorCode}).", JobErrorCategory.ObjectNotFound, "S3ObjectNotFound", target, e),
            AmazonS3Exception e =>
                new($"S3 at {where} failed the request for {target}: {e.ErrorCode} {e.Message}", JobErrorCategory.WriteError, "S3RequestFailed", target, e),
            AmazonClientException e when e.Message.Contains("RegionEndpoint", StringComparison.Ordinal) =>
                new($"No S3 region or endpoint for {target}: set -Region (or $env:AWS_REGION), or -EndpointUrl (or $env:AWS_ENDPOINT_URL_S3) for an S3-compatible server.", JobErrorCategory.InvalidArgument, "S3RegionMissing", target, e),
            AmazonClientException e when e.Message.Contains("resolve AWS credentials", StringComparison.OrdinalIgnoreCase) =>
                new($"No S3 credentials for {target}: pass -Credential or -ProfileName, or set $env:AWS_ACCESS_KEY_ID and $env:AWS_SECRET_ACCESS_KEY (or $env:AWS_PROFILE).", JobErrorCategory.AuthenticationError, "S3CredentialsMissing", target, e),
            _ when IsUnreachable(exception) =>
                new($"Cannot reach S3 at {where} for {target}: {Innermost(exception).Message}", JobErrorCategory.ConnectionError, "S3Unreachable", target, exception),
            SyncToolsException e => e,
            _ => new($"S3 request for {target} at {where} failed: {exception.Message}", JobErrorCategory.NotSpecified, "S3RequestFailed", target, exception),
        };
    }

    private static bool IsUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or SocketException or TimeoutException or AmazonServiceException { StatusCode: 0 })
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
