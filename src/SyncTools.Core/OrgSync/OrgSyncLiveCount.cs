using SyncTools.Core.Jobs;
using SyncTools.Core.Status;

namespace SyncTools.Core.OrgSync;

/// <summary>Invoke-OrgSync, live: see <see cref="OrgSyncJob.LiveCountsAsync"/>, both databases on the server the run named.</summary>
public sealed class OrgSyncLiveCount : ILiveCount
{
    public string Job => OrgSyncJob.Name;

    public async Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken)
    {
        if (last is not { SourceEndpoint: { } source, TargetEndpoint: { } target }) return (null, null);
        var mysql = connections.MySqlFor(target);
        if (source.Server != target.Server)
        {
            throw new SyncToolsException($"{target} is not counted: its source {source} is on another server, and the count compares the two in one query.",
                JobErrorCategory.InvalidArgument, "LiveCountServerNotGiven", target.ToString());
        }

        return await OrgSyncJob.LiveCountsAsync(mysql, source.Database, target.Database, cancellationToken).ConfigureAwait(false);
    }
}
