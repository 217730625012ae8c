using SyncTools.Core.Jobs;

namespace SyncTools.Core.Status;

/// <summary>Healthy; Degraded: the last run succeeded but left rows out (failed or skipped); Unhealthy: failed, aborted, too old, or counts apart.</summary>
public enum SyncHealth
{
    Healthy,
    Degraded,
    Unhealthy,
}

/// <summary>Whether one job's sync of one target is healthy, from its runs in the journal.</summary>
public sealed class SyncStatus : IJobResult
{
    public required string Job { get; init; }

    /// <summary>The last run's id.</summary>
    public required Guid RunId { get; init; }

    public required string Target { get; init; }

    public required SyncHealth Health { get; init; }

    /// <summary>Health is Healthy.</summary>
    public required bool IsHealthy { get; init; }

    /// <summary>Why not healthy, in words a person can act on; empty when healthy.</summary>
    public required string Reason { get; init; }

    public required DateTimeOffset LastRun { get; init; }

    public required string LastStatus { get; init; }

    public required DateTimeOffset? LastSuccess { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>The last run's counts, "Inserted=3; Updated=0".</summary>
    public required string Counts { get; init; }

    public required int Runs { get; init; }

    /// <summary>With live counts: the source's count (see Get-SyncStatus -Live); empty otherwise.</summary>
    public long? SourceCount { get; init; }

    public long? TargetCount { get; init; }

    /// <summary>With live counts, for Start-ChangeSync: how long change capture has not caught up (zero when it has).</summary>
    public TimeSpan? Lag { get; init; }

    /// <summary>With live counts, for Start-ChangeSync: WAL bytes between the server's position and the slot's confirmed one.</summary>
    public long? LagBytes { get; init; }

    /// <summary>With live counts, for Start-ChangeSync: WAL bytes the server keeps for the slot.</summary>
    public long? RetainedWalBytes { get; init; }
}
