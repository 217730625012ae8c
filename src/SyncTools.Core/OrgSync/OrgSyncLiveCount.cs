using SyncTools.Core.Status;

namespace SyncTools.Core.OrgSync;

/// <summary>Invoke-OrgSync, live: see <see cref="OrgSyncJob.LiveCountsAsync"/>, both databases on the given MySQL server.</summary>
public sealed class OrgSyncLiveCount : ILiveCount
{
    public string Job => OrgSyncJob.Name;

    public async Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken)
    {
        if (connections.MySql is not { } mysql || last.Source is not { } source) return (null, null);
        return await OrgSyncJob.LiveCountsAsync(mysql, DatabaseOf(source), DatabaseOf(last.Target), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The database of "server:port/database" (how Invoke-OrgSync names its source and target; older journals put "user@" first).</summary>
    private static string DatabaseOf(string name) => name[(name.LastIndexOf('/') + 1)..];
}
