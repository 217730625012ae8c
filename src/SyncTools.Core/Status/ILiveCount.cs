namespace SyncTools.Core.Status;

/// <summary>
/// How one job counts its source and target now, for Get-SyncStatus -Live. Each job has one in its own folder;
/// <see cref="LiveCounts"/> finds them by their <see cref="Job"/>, so a new job adds its own without touching Status.
/// </summary>
public interface ILiveCount
{
    /// <summary>The job's name, as the journal records it.</summary>
    string Job { get; }

    /// <summary>
    /// The source's and target's counts for the job's last run (an entry with its <see cref="JournalEntry.TargetEndpoint"/>),
    /// on the servers it names; null for a side it cannot count with these connections.
    /// </summary>
    Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken);
}
