using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;

namespace SyncTools.Core.ClusterIds;

/// <summary>What Update-ClusterId is to do. Names default to the source design's.</summary>
public sealed record ClusterIdOptions
{
    public const string DefaultCollection = "cluster_trips";
    public const string DefaultTable = "cm_cluster_id";
    public const string DefaultColumn = "cluster_id";
    public const int DefaultBatchSize = 1000;

    public required MongoEndpoint Mongo { get; init; }

    /// <summary>The MongoDB database; null for the connection string's own.</summary>
    public string? MongoDatabase { get; init; }

    public string Collection { get; init; } = DefaultCollection;

    public required MySqlSource MySql { get; init; }

    public string Table { get; init; } = DefaultTable;

    public string Column { get; init; } = DefaultColumn;

    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The collection and the column by what they are, for the journal.</summary>
    public (Status.SyncEndpoint Source, Status.SyncEndpoint Target) Endpoints =>
        (Mongo.Endpoint(MongoDatabase, Collection), MySql.Endpoint(Table, Column));
}
