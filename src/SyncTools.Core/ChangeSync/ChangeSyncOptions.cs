using SyncTools.Core.FullSync;
using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.ChangeSync;

/// <summary>What Start-ChangeSync is to do.</summary>
public sealed record ChangeSyncOptions
{
    public const int DefaultBatchSize = 5_000;
    public const int MaxBatchSize = 100_000;

    public required PgSource Postgres { get; init; }

    /// <summary>"database.schema.table" in PostgreSQL.</summary>
    public string SourceName => $"{Postgres.Database}.{Schema}.{Table}";

    /// <summary>"database.collection" in MongoDB (the database as given, else the connection string's).</summary>
    public string TargetName => $"{Database ?? Mongo.DatabaseName}.{Collection}";

    /// <summary>The table and the collection by what they are, for the journal.</summary>
    public (Status.SyncEndpoint Source, Status.SyncEndpoint Target) Endpoints => (Postgres.Endpoint(Schema, Table), Mongo.Endpoint(Database, Collection));

    public string Schema { get; init; } = FullSyncOptions.DefaultSchema;

    public required string Table { get; init; }

    /// <summary>The key column (the documents' _id), as Start-FullSync paged by; null for the table's own single-column primary key.</summary>
    public string? PrimaryKey { get; init; }

    public required MongoEndpoint Mongo { get; init; }

    /// <summary>The MongoDB database; null for the connection string's own.</summary>
    public string? Database { get; init; }

    public required string Collection { get; init; }

    /// <summary>The pgoutput slot; null for $env:SLOTNAME.</summary>
    public string? SlotName { get; init; }

    /// <summary>The publication the slot decodes with; null for the slot's own name.</summary>
    public string? Publication { get; init; }

    public bool CreatePublication { get; init; }

    /// <summary>Where Start-FullSync published the LSN to resume after, and where this job moves it forward.</summary>
    public string LsnCollection { get; init; } = FullSyncOptions.DefaultLsnCollection;

    public string StatisticsCollection { get; init; } = FullSyncOptions.DefaultStatisticsCollection;

    /// <summary>The statistics document's _id; null for "changesync:database.collection".</summary>
    public string? JobName { get; init; }

    /// <summary>Row changes written to MongoDB per bulk write at most.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Keep applying new changes until stopped, instead of ending once caught up with the server.</summary>
    public bool Follow { get; init; }

    public TimeSpan? MaxDuration { get; init; }

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(10);
}
