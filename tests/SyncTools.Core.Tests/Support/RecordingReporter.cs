using System.Collections.Concurrent;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.Tests.Support;

/// <summary>An IJobReporter that keeps everything a job reported, and answers ShouldProcess as told.</summary>
/// <param name="onProgress">Runs on each progress report, for tests that act while a job runs.</param>
public sealed class RecordingReporter(bool approve = true, Action<JobProgress>? onProgress = null) : IJobReporter
{
    public ConcurrentQueue<JobProgress> Progresses { get; } = new();

    public ConcurrentQueue<string> Verboses { get; } = new();

    public ConcurrentQueue<string> Warnings { get; } = new();

    public ConcurrentQueue<JobRecordError> Errors { get; } = new();

    public ConcurrentQueue<(string Target, string Action)> Questions { get; } = new();

    /// <summary>Every message text reported, for checks such as "no secret appears".</summary>
    public IEnumerable<string> AllText =>
        Verboses.Concat(Warnings).Concat(Errors.Select(e => e.Message))
            .Concat(Progresses.Select(p => $"{p.Activity} {p.Status}"))
            .Concat(Questions.Select(q => $"{q.Target} {q.Action}"));

    public void Progress(JobProgress progress)
    {
        Progresses.Enqueue(progress);
        onProgress?.Invoke(progress);
    }

    public void Verbose(string message) => Verboses.Enqueue(message);

    public void Warning(string message) => Warnings.Enqueue(message);

    public void RecordError(JobRecordError error) => Errors.Enqueue(error);

    public bool ShouldProcess(string target, string action)
    {
        Questions.Enqueue((target, action));
        return approve;
    }
}
