using SyncTools.Core.FullSync;
using SyncTools.Core.Status;

namespace SyncTools.Core.ChangeSync;

/// <summary>Start-ChangeSync, live: the full sync's counts of the same table and collection, and its slot's health.</summary>
public sealed class ChangeSyncLiveCount : FullSyncLiveCount, ISlotHealth
{
    public override string Job => StartChangeSyncJob.Name;

    public async Task<ReplicationSlotHealth?> SlotHealthAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken) =>
        last is { SourceEndpoint: { } source, TargetEndpoint: { } target }
            ? await StartChangeSyncJob.SlotHealthAsync(connections.PostgresFor(source), connections.MongoFor(target), source, target, cancellationToken).ConfigureAwait(false)
            : null;
}
