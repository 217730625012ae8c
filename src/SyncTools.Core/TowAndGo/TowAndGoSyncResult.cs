using SyncTools.Core.Jobs;

namespace SyncTools.Core.TowAndGo;

/// <summary>One snapshot applied to (or refused by) a collection.</summary>
public sealed class TowAndGoSyncResult : IJobResult
{
    public string Job => SyncTowAndGoJob.Name;

    public required Guid RunId { get; init; }

    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string Database { get; init; }

    public required string Collection { get; init; }

    public required DateTimeOffset SnapshotTime { get; init; }

    /// <summary>Links in the snapshot.</summary>
    public required int Links { get; init; }

    public required long Inserted { get; init; }

    public required long Updated { get; init; }

    public required long Unchanged { get; init; }

    public required long Removed { get; init; }

    /// <summary>True when a newer snapshot had been applied already, so nothing was written.</summary>
    public required bool Stale { get; init; }

    public required TimeSpan Duration { get; init; }
}
