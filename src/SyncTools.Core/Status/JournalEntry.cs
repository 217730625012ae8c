namespace SyncTools.Core.Status;

public enum RunStatus
{
    Succeeded,
    Failed,
    Aborted,
}

/// <summary>One run of a job as the journal keeps it. Counts are the result's numeric properties by name.</summary>
public sealed record JournalEntry(
    Guid RunId,
    string Job,
    string Target,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    RunStatus Status,
    IReadOnlyDictionary<string, long> Counts,
    string? Error)
{
    public TimeSpan Duration => Finished - Started;
}
