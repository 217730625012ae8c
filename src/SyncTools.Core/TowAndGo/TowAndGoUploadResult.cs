using SyncTools.Core.Jobs;

namespace SyncTools.Core.TowAndGo;

/// <summary>One uploaded snapshot. <see cref="Bucket"/> and <see cref="Key"/> bind by name to Sync-TowAndGoToMongo.</summary>
public sealed class TowAndGoUploadResult : IJobResult
{
    public string Job => SendTowAndGoJob.Name;

    public required Guid RunId { get; init; }

    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string ETag { get; init; }

    /// <summary>Bytes stored: the gzip size when compressed.</summary>
    public required long Bytes { get; init; }

    public required bool Compressed { get; init; }

    public required int LinkCount { get; init; }

    public required int NullSegmentCount { get; init; }

    public required DateTimeOffset SnapshotTime { get; init; }

    public required TimeSpan Duration { get; init; }
}
