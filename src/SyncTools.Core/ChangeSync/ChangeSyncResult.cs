using SyncTools.Core.Jobs;

namespace SyncTools.Core.ChangeSync;

/// <summary>One run of Start-ChangeSync: the slot's changes applied to the collection, and how far behind the server it ended.</summary>
public sealed class ChangeSyncResult : IJobResult
{
    public string Job => StartChangeSyncJob.Name;

    public required Guid RunId { get; init; }

    public required string Slot { get; init; }

    /// <summary>"database.schema.table" in PostgreSQL.</summary>
    public required string Table { get; init; }

    /// <summary>"database.collection" in MongoDB.</summary>
    public required string Collection { get; init; }

    /// <summary>The published LSN the run started after.</summary>
    public required string FromLsn { get; init; }

    /// <summary>The LSN published at the end: everything before it is in the collection.</summary>
    public required string ToLsn { get; init; }

    /// <summary>Transactions that changed the table, applied whole.</summary>
    public required long Transactions { get; init; }

    /// <summary>Documents created (an insert, or an update of a key the collection lacked).</summary>
    public required long Inserted { get; init; }

    /// <summary>Documents replaced or updated.</summary>
    public required long Updated { get; init; }

    public required long Deleted { get; init; }

    /// <summary>Since the commit of the last transaction applied, while the server had more; zero when caught up.</summary>
    public required TimeSpan Lag { get; init; }

    /// <summary>WAL bytes between ToLsn and the server's current position.</summary>
    public required long LagBytes { get; init; }

    public required TimeSpan Duration { get; init; }
}
