using System.Collections.Concurrent;

namespace SyncTools.Core.Jobs;

/// <summary>Why a job's host stopped it, when not because the user did.</summary>
public interface IJobStopCause
{
    /// <summary>The report that failed in the host (e.g. an error under -ErrorAction Stop); null when the user stopped the job.</summary>
    string? StopCause { get; }
}

/// <summary>
/// Runs an async job on the thread pool while the calling thread relays its reports to a host that
/// may only be called from that thread (PowerShell's pipeline thread).
/// </summary>
public static class ReportPump
{
    /// <summary>Progress of one activity is relayed at most this often; its first and last report always.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs <paramref name="job"/> and relays its reports to <paramref name="host"/> on this thread until it ends.</summary>
    /// <returns>The job's result; the job's exception is rethrown as it is.</returns>
    public static T Run<T>(Func<IJobReporter, CancellationToken, Task<T>> job, IJobReporter host, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var queue = new BlockingCollection<Action>();
        var relay = new Relay(queue, host, cancel.Token);
        var task = Task.Run(() => job(relay, cancel.Token), CancellationToken.None);
        task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
        try
        {
            foreach (var report in queue.GetConsumingEnumerable())
            {
                report();
            }
        }
        catch (Exception e)
        {
            // The host failed: the user stopped the pipeline, or a report was an error the user asked to stop at
            // (-ErrorAction Stop), which is then the cause of the stop. Stop the job and let it end before leaving.
            if (!cancellationToken.IsCancellationRequested) relay.StopCause ??= e.Message;
            cancel.Cancel();
            try { task.Wait(); } catch (AggregateException) { }
            throw;
        }

        return task.GetAwaiter().GetResult();
    }

    private sealed class Relay(BlockingCollection<Action> queue, IJobReporter host, CancellationToken cancellationToken) : IJobReporter, IJobStopCause
    {
        public string? StopCause { get; set; }

        private readonly Dictionary<string, DateTime> _lastProgress = new();

        public void Progress(JobProgress progress)
        {
            lock (_lastProgress)
            {
                var now = DateTime.UtcNow;
                if (!progress.IsComplete && _lastProgress.TryGetValue(progress.Activity, out var last) && now - last < ProgressInterval)
                {
                    return;
                }

                _lastProgress[progress.Activity] = now;
            }

            Post(() => host.Progress(progress));
        }

        public void Verbose(string message) => Post(() => host.Verbose(message));

        public void Warning(string message) => Post(() => host.Warning(message));

        /// <summary>Waits until the host has written the error: under -ErrorAction Stop the job stops at that record, with it as the cause.</summary>
        public void RecordError(JobRecordError error)
        {
            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var cause = $"Stopped at a record error, as asked (-ErrorAction Stop): {error.Message}";
            Post(() =>
            {
                try
                {
                    host.RecordError(error);
                    written.SetResult();
                }
                catch (Exception e)
                {
                    StopCause ??= cause;
                    written.SetException(e);
                    throw;
                }
            });
            try
            {
                written.Task.Wait(cancellationToken);
            }
            catch (AggregateException e)
            {
                throw new SyncToolsException(cause, error.Category, error.ErrorId, error.Target, e.InnerException);
            }
        }

        public bool ShouldProcess(string target, string action)
        {
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() =>
            {
                try { answer.SetResult(host.ShouldProcess(target, action)); }
                catch (Exception e) { answer.SetException(e); throw; }
            });
            answer.Task.Wait(cancellationToken);
            return answer.Task.Result;
        }

        private void Post(Action report)
        {
            try
            {
                queue.Add(report, cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // The job has ended and its host has gone: a late report has nowhere to go.
            }
        }
    }
}
