using System.IO.Compression;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.S3;

public static class S3Objects
{
    /// <summary>
    /// Hands an object's bytes to <paramref name="read"/> as they arrive, gzip content (by its magic bytes, whatever its
    /// headers say) decompressed; with the object's length when it is not compressed.
    /// </summary>
    /// <exception cref="SyncToolsException">The bucket or object is missing, access is denied, S3 is unreachable or stops answering, the gzip is damaged.</exception>
    public static async Task<T> ReadAsync<T>(S3Connection connection, string bucket, string key, Func<Stream, long?, Task<T>> read, CancellationToken cancellationToken)
    {
        var isGzip = false;
        try
        {
            using var client = connection.CreateClient();
            using var response = await client.GetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            var head = new byte[2];
            var headLength = await response.ResponseStream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            await using var body = new HeadAndRest(head.AsMemory(0, headLength), response.ResponseStream);
            isGzip = head is [0x1F, 0x8B] && headLength == 2;
            if (!isGzip) return await read(body, response.ContentLength > 0 ? response.ContentLength : null).ConfigureAwait(false);
            await using var plain = new GZipStream(body, CompressionMode.Decompress);
            return await read(plain, null).ConfigureAwait(false);
        }
        catch (InvalidDataException e) when (isGzip)
        {
            throw new SyncToolsException($"s3://{bucket}/{key} starts like gzip but does not decompress: {e.Message}", JobErrorCategory.InvalidData, "SnapshotBadGzip", $"s3://{bucket}/{key}", e);
        }
        catch (Exception e) when (e is not OperationCanceledException and not SyncToolsException)
        {
            throw S3Errors.Translate(e, connection, bucket, key);
        }
    }

    /// <summary>The bytes read ahead to see what the object is, then the rest of it.</summary>
    private sealed class HeadAndRest(ReadOnlyMemory<byte> head, Stream rest) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            head.IsEmpty ? rest.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(TakeHead(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => head.IsEmpty ? rest.Read(buffer, offset, count) : TakeHead(buffer.AsSpan(offset, count));

        private int TakeHead(Span<byte> buffer)
        {
            var count = Math.Min(head.Length, buffer.Length);
            head.Span[..count].CopyTo(buffer);
            head = head[count..];
            return count;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
