using System.Diagnostics;

namespace SyncTools.Bench;

/// <summary>A reporter that notes when each activity first and last reported progress, to show where a job's time goes.</summary>
public sealed class PhaseTimer : SyncTools.Core.Jobs.IJobReporter
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, (TimeSpan First, TimeSpan Last)> _phases = new();

    public void Progress(SyncTools.Core.Jobs.JobProgress progress)
    {
        lock (_phases) _phases[progress.Activity] = _phases.TryGetValue(progress.Activity, out var p) ? (p.First, _clock.Elapsed) : (_clock.Elapsed, _clock.Elapsed);
    }

    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void RecordError(SyncTools.Core.Jobs.JobRecordError error) { }
    public bool ShouldProcess(string target, string action) => true;

    /// <summary>When the activity whose name starts with <paramref name="prefix"/> first and last reported.</summary>
    public (TimeSpan First, TimeSpan Last) Reports(string prefix)
    {
        lock (_phases) return _phases.Single(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Value;
    }

    public void Print()
    {
        foreach (var (activity, (first, last)) in _phases) Console.WriteLine($"  {activity,-45} {first.TotalSeconds,6:N2}s .. {last.TotalSeconds,6:N2}s");
    }
}
