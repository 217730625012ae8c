using SyncTools.Core.Status;

namespace SyncTools.Core.FullSync;

/// <summary>Start-FullSync, live: see <see cref="StartFullSyncJob.LiveCountsAsync"/>.</summary>
public class FullSyncLiveCount : ILiveCount
{
    public virtual string Job => StartFullSyncJob.Name;

    public async Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken)
    {
        if (connections is not { Postgres: { } postgres, Mongo: { } mongo } || last.Source is not { } source) return (null, null);
        return await StartFullSyncJob.LiveCountsAsync(postgres, mongo, source, last.Target, cancellationToken).ConfigureAwait(false);
    }
}
