using SyncTools.Core.Jobs;

namespace SyncTools.Bench;

/// <summary>A reporter that approves every write and keeps nothing: benchmarks measure the work, not the reporting.</summary>
public sealed class SilentReporter : IJobReporter
{
    public void Progress(JobProgress progress) { }

    public void Verbose(string message) { }

    public void Warning(string message) { }

    public void RecordError(JobRecordError error) { }

    public bool ShouldProcess(string target, string action) => true;
}
