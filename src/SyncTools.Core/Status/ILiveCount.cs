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

/// <summary>A live count that also reads the replication slot its job follows (a change sync's), for its lag and the WAL it holds back.</summary>
public interface ISlotHealth
{
    /// <summary>The slot the job's last run read, on the servers it names; null when it cannot be found with these connections.</summary>
    Task<ReplicationSlotHealth?> SlotHealthAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken);
}

/// <summary>
/// A replication slot as Get-SyncStatus judges it: whether it exists and is being read, how far the server's WAL is ahead
/// of its confirmed position (lag) and of its restart point (retained), and when the published LSN last moved.
/// </summary>
/// <param name="Exists">False when the slot is gone (then nothing else is known).</param>
/// <param name="Active">A consumer is reading it.</param>
/// <param name="LagBytes">WAL between the server's position and the slot's confirmed one.</param>
/// <param name="RetainedBytes">WAL the server keeps for the slot (from its restart point).</param>
/// <param name="AppliedAt">When the published LSN last moved.</param>
public sealed record ReplicationSlotHealth(string Slot, bool Exists, bool Active, long LagBytes, long RetainedBytes, DateTime? AppliedAt);
