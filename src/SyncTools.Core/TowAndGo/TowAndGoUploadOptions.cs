using SyncTools.Core.S3;

namespace SyncTools.Core.TowAndGo;

/// <summary>What Send-TowAndGoData is to do.</summary>
public sealed record TowAndGoUploadOptions
{
    public required SnapshotInput Snapshot { get; init; }

    public required string Bucket { get; init; }

    /// <summary>The object key; by default derived from the snapshot time, see <see cref="TowAndGoKeys.Default"/>.</summary>
    public string? Key { get; init; }

    /// <summary>Gzip the body and store it with Content-Encoding: gzip.</summary>
    public bool Compress { get; init; }

    /// <summary>The bucket by what it is, for the journal: a target is the bucket, whatever the key.</summary>
    public Status.SyncEndpoint Target => Connection.Endpoint(Bucket);

    /// <summary>S3 server-side encryption: null (the bucket's default), "AES256" or "aws:kms".</summary>
    public string? ServerSideEncryption { get; init; }

    /// <summary>With "aws:kms": the KMS key id or ARN; null for the AWS-managed key.</summary>
    public string? KmsKeyId { get; init; }

    public required S3Connection Connection { get; init; }
}
