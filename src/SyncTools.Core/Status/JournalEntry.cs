namespace SyncTools.Core.Status;

public enum RunStatus
{
    Succeeded,
    Failed,
    Aborted,
}

/// <summary>One run of a job as the journal keeps it. Counts are the result's numeric properties by name.</summary>
/// <param name="Source">Where the job read, as shown (<see cref="SourceEndpoint"/>'s text); null in entries from before it was kept.</param>
/// <param name="Target">What the job wrote, as shown and matched (<see cref="TargetEndpoint"/>'s text; older entries: "database.collection"...).</param>
/// <param name="SourceEndpoint">Where the job read, by what it is; null in entries from before it was kept, and for a file or pipeline.</param>
/// <param name="TargetEndpoint">What the job wrote, by what it is; null in entries from before it was kept.</param>
public sealed record JournalEntry(
    Guid RunId,
    string Job,
    string? Source,
    string Target,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    RunStatus Status,
    IReadOnlyDictionary<string, long> Counts,
    string? Error,
    SyncEndpoint? SourceEndpoint = null,
    SyncEndpoint? TargetEndpoint = null)
{
    public TimeSpan Duration => Finished - Started;
}
