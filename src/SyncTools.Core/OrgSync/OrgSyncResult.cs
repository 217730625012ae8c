using SyncTools.Core.Jobs;

namespace SyncTools.Core.OrgSync;

/// <summary>What one run of Invoke-OrgSync did to one target table: the object the cmdlet writes, one per table.</summary>
public sealed class OrgSyncTableResult : IJobResult
{
    public string Job => OrgSyncJob.Name;

    public required Guid RunId { get; init; }

    public required OrgSyncTable Table { get; init; }

    /// <summary>"laas.users".</summary>
    public required string Source { get; init; }

    /// <summary>"organizations.user".</summary>
    public required string Target { get; init; }

    /// <summary>Source rows that passed the table's filter (and, with -Incremental, changed since the last run).</summary>
    public required long Read { get; init; }

    public required long Inserted { get; init; }

    public required long Updated { get; init; }

    /// <summary>Rows the target already held with the same values: not written.</summary>
    public required long Unchanged { get; init; }

    /// <summary>Rows passed over by rule: an institute user whose user or institute is not in the target.</summary>
    public required long Skipped { get; init; }

    /// <summary>Rows with bad data (no valid date, a value the target column refuses), each reported as an error.</summary>
    public required long Failed { get; init; }

    /// <summary>
    /// Source rows left out for repeating the target key of another row (an institute user's institute and user): of
    /// each such set only the row with the latest updated_at, then the highest key, is synced.
    /// </summary>
    public long Duplicates { get; init; }

    /// <summary>Target rows removed by -RemoveMissing: their source rows are gone or no longer pass the filter.</summary>
    public long Removed { get; init; }

    /// <summary>Target rows whose source rows are gone or no longer pass the filter, left in place (without -RemoveMissing).</summary>
    public long Stale { get; init; }

    public required TimeSpan Duration { get; init; }
}

/// <summary>One whole run, as the journal records it: the totals over its tables and the mark a later -Incremental run starts from.</summary>
public sealed class OrgSyncRun : IJobResult
{
    public string Job => OrgSyncJob.Name;

    public required Guid RunId { get; init; }

    public required IReadOnlyList<OrgSyncTableResult> Tables { get; init; }

    public long Read => Tables.Sum(t => t.Read);

    public long Inserted => Tables.Sum(t => t.Inserted);

    public long Updated => Tables.Sum(t => t.Updated);

    public long Unchanged => Tables.Sum(t => t.Unchanged);

    public long Skipped => Tables.Sum(t => t.Skipped);

    public long Failed => Tables.Sum(t => t.Failed);

    public long Duplicates => Tables.Sum(t => t.Duplicates);

    public long Removed => Tables.Sum(t => t.Removed);

    public long Stale => Tables.Sum(t => t.Stale);

    /// <summary>
    /// The source server's clock when the run began reading, in Unix seconds of its wall time; 0 when the run did not
    /// cover all four tables, so that only a complete run is a starting point for -Incremental.
    /// </summary>
    public required long HighWaterMark { get; init; }
}
