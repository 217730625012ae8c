using SyncTools.Core.MongoDb;
using SyncTools.Core.S3;

namespace SyncTools.Core.TowAndGo;

/// <summary>What Sync-TowAndGoToMongo is to do.</summary>
public sealed record TowAndGoSyncOptions
{
    public const string DefaultDatabase = "towandgo";
    public const string DefaultCollection = "links";
    public const int DefaultBatchSize = 1000;

    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required S3Connection S3 { get; init; }

    public required MongoEndpoint Mongo { get; init; }

    public string Database { get; init; } = DefaultDatabase;

    public string Collection { get; init; } = DefaultCollection;

    /// <summary>Writes per bulk request.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The S3 object and the collection by what they are, for the journal.</summary>
    public (Status.SyncEndpoint Source, Status.SyncEndpoint Target) Endpoints =>
        (S3.Endpoint(Bucket, Key), Mongo.Endpoint(Database, Collection));

    /// <summary>Apply the snapshot even when an newer one has been applied already.</summary>
    public bool Force { get; init; }

    /// <summary>Delete links that are not in the snapshot, so the collection mirrors it.</summary>
    public bool RemoveMissing { get; init; }
}
