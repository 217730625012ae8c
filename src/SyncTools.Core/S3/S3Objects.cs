using System.IO.Compression;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.S3;

public static class S3Objects
{
    /// <summary>Reads a whole object; gzip content (by its magic bytes, whatever its headers say) is decompressed.</summary>
    /// <exception cref="SyncToolsException">The bucket or object is missing, access is denied, S3 is unreachable.</exception>
    public static async Task<byte[]> ReadAsync(S3Connection connection, string bucket, string key, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var activity = $"Reading s3://{bucket}/{key}";
        try
        {
            using var client = connection.CreateClient();
            using var response = await client.GetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            using var body = new MemoryStream(response.ContentLength > 0 ? (int)Math.Min(response.ContentLength, int.MaxValue) : 0);
            var buffer = new byte[81920];
            int read;
            while ((read = await response.ResponseStream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                body.Write(buffer, 0, read);
                reporter.Progress(new JobProgress(activity, body.Length, response.ContentLength > 0 ? response.ContentLength : null, $"{body.Length:N0} bytes"));
            }

            var bytes = body.ToArray();
            return bytes is [0x1F, 0x8B, ..] ? Gunzip(bytes, bucket, key) : bytes;
        }
        catch (Exception e) when (e is not OperationCanceledException and not SyncToolsException)
        {
            throw S3Errors.Translate(e, connection, bucket, key);
        }
    }

    private static byte[] Gunzip(byte[] bytes, string bucket, string key)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            return plain.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new SyncToolsException($"s3://{bucket}/{key} starts like gzip but does not decompress: {e.Message}", JobErrorCategory.InvalidData, "SnapshotBadGzip", $"s3://{bucket}/{key}", e);
        }
    }
}
