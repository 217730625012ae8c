using SyncTools.Core.Jobs;

namespace SyncTools.Core.ClusterIds;

/// <summary>One run of Update-ClusterId: ids read from MongoDB, already present in MySQL, inserted and skipped.</summary>
public sealed class ClusterIdResult : IJobResult
{
    public string Job => UpdateClusterIdJob.Name;

    public required Guid RunId { get; init; }

    /// <summary>"database.collection" in MongoDB.</summary>
    public required string Source { get; init; }

    /// <summary>"database.table.column" in MySQL.</summary>
    public required string Target { get; init; }

    /// <summary>Documents read from MongoDB.</summary>
    public required long SourceIds { get; init; }

    public required long AlreadyPresent { get; init; }

    public required long Inserted { get; init; }

    /// <summary>Documents whose _id is absent, null, of a type with no rule, or too long for the column.</summary>
    public required long Skipped { get; init; }

    public required TimeSpan Duration { get; init; }
}

/// <summary>One id this run inserted (with -PassThru).</summary>
public sealed class ClusterIdInserted : IJobResult
{
    public string Job => UpdateClusterIdJob.Name;

    public required Guid RunId { get; init; }

    public required string ClusterId { get; init; }
}
