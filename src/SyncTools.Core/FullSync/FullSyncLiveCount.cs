using SyncTools.Core.Status;

namespace SyncTools.Core.FullSync;

/// <summary>Start-FullSync, live: see <see cref="StartFullSyncJob.LiveCountsAsync"/>.</summary>
public class FullSyncLiveCount : ILiveCount
{
    public virtual string Job => StartFullSyncJob.Name;

    public async Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken)
    {
        if (last is not { SourceEndpoint: { } source, TargetEndpoint: { } target }) return (null, null);
        return await StartFullSyncJob.LiveCountsAsync(connections.PostgresFor(source), connections.MongoFor(target), source, target, cancellationToken).ConfigureAwait(false);
    }
}
