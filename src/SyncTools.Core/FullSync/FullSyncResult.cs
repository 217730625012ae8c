using SyncTools.Core.Jobs;

namespace SyncTools.Core.FullSync;

/// <summary>One finished run of Start-FullSync: the table copied, the LSN recorded, the counts on both sides.</summary>
public sealed class FullSyncResult : IJobResult
{
    public string Job => StartFullSyncJob.Name;

    public required Guid RunId { get; init; }

    /// <summary>"database.schema.table" in PostgreSQL.</summary>
    public required string Source { get; init; }

    /// <summary>"database.collection" in MongoDB.</summary>
    public required string Target { get; init; }

    /// <summary>The slot position change capture resumes after.</summary>
    public required string Lsn { get; init; }

    /// <summary>Rows the filter selects in the source after the swap.</summary>
    public required long SourceRows { get; init; }

    /// <summary>Rows copied into the collection (by this run and, with -Resume, the run it continued).</summary>
    public required long CopiedRows { get; init; }

    /// <summary>Documents in the live collection after the swap.</summary>
    public required long TargetRows { get; init; }

    public required long RefresherJobs { get; init; }

    /// <summary>FINISHED (a run that does not finish ends in an error instead).</summary>
    public required string Status { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>Rows copied by this run per second of its copy.</summary>
    public required double RowsPerSecond { get; init; }
}
