using SyncTools.Core.FullSync;

namespace SyncTools.Core.ChangeSync;

/// <summary>Start-ChangeSync, live: the same table and collection as the full sync before it.</summary>
public sealed class ChangeSyncLiveCount : FullSyncLiveCount
{
    public override string Job => StartChangeSyncJob.Name;
}
