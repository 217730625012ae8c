namespace SyncTools.Core.Jobs;

/// <summary>
/// What every job's result carries, so any result can be piped into Get-SyncStatus.
/// Results are flat: scalar properties only, so Export-Csv writes meaningful columns.
/// </summary>
public interface IJobResult
{
    /// <summary>The job's name: the cmdlet that ran it, e.g. "Send-TowAndGoData".</summary>
    string Job { get; }

    Guid RunId { get; }
}
