using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.FullSync;

/// <summary>What Start-FullSync is to do.</summary>
public sealed record FullSyncOptions
{
    public const string DefaultSchema = "public";
    public const int DefaultPageSize = 5_000;
    public const int MaxPageSize = 100_000;

    public const string DefaultStatisticsCollection = "sync_job_stats";
    public const string DefaultLsnCollection = "cdc_lsn";
    public const string DefaultRefresherCollection = "refresher_jobs";

    public required PgSource Postgres { get; init; }

    /// <summary>"database.schema.table" in PostgreSQL.</summary>
    public string SourceName => $"{Postgres.Database}.{Schema}.{Table}";

    /// <summary>"database.collection" in MongoDB (the database as given, else the connection string's).</summary>
    public string TargetName => $"{Database ?? Mongo.DatabaseName}.{Collection}";

    /// <summary>The table and the collection by what they are, for the journal.</summary>
    public (Status.SyncEndpoint Source, Status.SyncEndpoint Target) Endpoints => (Postgres.Endpoint(Schema, Table), Mongo.Endpoint(Database, Collection));

    public string Schema { get; init; } = DefaultSchema;

    public required string Table { get; init; }

    /// <summary>The column to page by and to use as _id; null for the table's own single-column primary key.</summary>
    public string? PrimaryKey { get; init; }

    /// <summary>A filter in the user's own SQL, run as written; null for every row.</summary>
    public string? Where { get; init; }

    public required MongoEndpoint Mongo { get; init; }

    /// <summary>The MongoDB database; null for the connection string's own.</summary>
    public string? Database { get; init; }

    public required string Collection { get; init; }

    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>The logical replication slot; null for $env:SLOTNAME.</summary>
    public string? SlotName { get; init; }

    /// <summary>For a pgoutput slot, the publication it decodes with; null for the slot's own name.</summary>
    public string? Publication { get; init; }

    /// <summary>Create the publication (for the table alone) when it does not exist.</summary>
    public bool CreatePublication { get; init; }

    public bool CreateRefresherJobs { get; init; }

    public string RefresherCollection { get; init; } = DefaultRefresherCollection;

    public string StatisticsCollection { get; init; } = DefaultStatisticsCollection;

    public string LsnCollection { get; init; } = DefaultLsnCollection;

    /// <summary>The statistics document's _id; null for "fullsync:database.collection".</summary>
    public string? JobName { get; init; }

    /// <summary>Stop (as aborted) at the first page boundary after this long; null for no limit.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Continue the job's last failed or aborted run from its last committed page.</summary>
    public bool Resume { get; init; }

    /// <summary>How long the target's lock lasts unless renewed (it is renewed after every page).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(10);
}
