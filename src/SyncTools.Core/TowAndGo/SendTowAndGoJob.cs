using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using SyncTools.Core.Jobs;
using SyncTools.Core.S3;

namespace SyncTools.Core.TowAndGo;

/// <summary>Validates a Tow-and-Go snapshot and uploads it to an S3 object.</summary>
public static class SendTowAndGoJob
{
    public const string Name = "Send-TowAndGoData";

    /// <returns>The upload, or null when the write was declined (-WhatIf, or "no" at -Confirm).</returns>
    public static async Task<TowAndGoUploadResult?> RunAsync(TowAndGoUploadOptions options, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var runId = Guid.NewGuid();
        TowAndGoKeys.ValidateBucket(options.Bucket);
        using var snapshot = SnapshotValidator.Parse(options.Snapshot.Json, options.Snapshot.Source, reporter);
        var key = options.Key ?? TowAndGoKeys.Default(snapshot, options.Compress);
        TowAndGoKeys.ValidateKey(key);
        reporter.Verbose($"{options.Snapshot.Source}: {snapshot.LinkCount:N0} links, last_modified {snapshot.LastModified} ({snapshot.SnapshotTime:u}).");

        var body = options.Compress ? Gzip(options.Snapshot.Json) : options.Snapshot.Json;
        var target = $"s3://{options.Bucket}/{key}";
        var action = $"Upload Tow-and-Go snapshot of {snapshot.LinkCount:N0} links taken {snapshot.SnapshotTime:u} ({body.Length:N0} bytes{(options.Compress ? ", gzip" : "")})";
        await CheckBucketAsync(options, reporter, cancellationToken).ConfigureAwait(false);
        if (!reporter.ShouldProcess(target, action))
        {
            return null;
        }

        var etag = await PutAsync(options, key, body, reporter, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"Uploaded {body.Length:N0} bytes to {target} at {options.Connection.Describe()}, ETag {etag}.");
        return new TowAndGoUploadResult
        {
            RunId = runId,
            Bucket = options.Bucket,
            Key = key,
            ETag = etag,
            Bytes = body.Length,
            Compressed = options.Compress,
            LinkCount = snapshot.LinkCount,
            NullSegmentCount = snapshot.NullSegmentCount,
            SnapshotTime = snapshot.SnapshotTime,
            Duration = clock.Elapsed,
        };
    }

    /// <summary>
    /// Before asking to upload (so -WhatIf checks it too): the bucket exists and the credentials reach it, as far as
    /// S3 tells without writing. A bucket the credentials may write to but not look at is said in a warning.
    /// </summary>
    private static async Task CheckBucketAsync(TowAndGoUploadOptions options, IJobReporter reporter, CancellationToken cancellationToken)
    {
        try
        {
            using var client = options.Connection.CreateClient();
            await client.HeadBucketAsync(new HeadBucketRequest { BucketName = options.Bucket }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var error = S3Errors.Translate(e, options.Connection, options.Bucket, null);
            if (error.Category != JobErrorCategory.PermissionDenied) throw error;
            reporter.Warning($"The bucket '{options.Bucket}' could not be checked before the upload: {error.Message}");
        }
    }

    private static async Task<string> PutAsync(TowAndGoUploadOptions options, string key, byte[] body, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var md5 = MD5.HashData(body);
        var request = new PutObjectRequest
        {
            BucketName = options.Bucket,
            Key = key,
            InputStream = new MemoryStream(body, writable: false),
            ContentType = "application/json",
            MD5Digest = Convert.ToBase64String(md5),
            // A plain signed body: S3-compatible servers may store aws-chunked framing as the object's bytes.
            UseChunkEncoding = false,
        };
        if (options.Compress)
        {
            request.Headers.ContentEncoding = "gzip";
        }

        if (options.ServerSideEncryption is not null)
        {
            request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.FindValue(options.ServerSideEncryption);
            request.ServerSideEncryptionKeyManagementServiceKeyId = options.KmsKeyId;
        }

        var activity = $"Uploading s3://{options.Bucket}/{key}";
        request.StreamTransferProgress += (_, e) =>
            reporter.Progress(new JobProgress(activity, e.TransferredBytes, e.TotalBytes, $"{e.TransferredBytes:N0} of {e.TotalBytes:N0} bytes"));

        PutObjectResponse response;
        try
        {
            using var client = options.Connection.CreateClient();
            response = await client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw S3Errors.Translate(e, options.Connection, options.Bucket, key);
        }

        var etag = response.ETag?.Trim('"') ?? "";
        // Without KMS, a single-part object's ETag is the MD5 of its bytes: proof the server stored what was sent.
        if (options.ServerSideEncryption != "aws:kms" && !etag.Equals(Convert.ToHexString(md5), StringComparison.OrdinalIgnoreCase))
        {
            throw new SyncToolsException(
                $"S3 at {options.Connection.Describe()} stored s3://{options.Bucket}/{key} with ETag {etag}, not the MD5 of the bytes sent: the object may be corrupt.",
                JobErrorCategory.WriteError, "S3IntegrityCheckFailed", $"s3://{options.Bucket}/{key}");
        }

        return etag;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
