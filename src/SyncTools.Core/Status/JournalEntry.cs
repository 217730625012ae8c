namespace SyncTools.Core.Status;

public enum RunStatus
{
    Succeeded,
    Failed,
    Aborted,
}

/// <summary>One run of a job as the journal keeps it. Counts are the result's numeric properties by name.</summary>
/// <param name="Source">Where the job read: "s3://bucket", "database.collection"...; null in entries from before it was kept.</param>
public sealed record JournalEntry(
    Guid RunId,
    string Job,
    string? Source,
    string Target,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    RunStatus Status,
    IReadOnlyDictionary<string, long> Counts,
    string? Error)
{
    public TimeSpan Duration => Finished - Started;
}
