using System.Collections.Concurrent;

namespace SyncTools.Core.Jobs;

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
        catch
        {
            // The host failed (e.g. the pipeline was stopped): stop the job and let it end before leaving.
            cancel.Cancel();
            try { task.Wait(); } catch (AggregateException) { }
            throw;
        }

        return task.GetAwaiter().GetResult();
    }

    private sealed class Relay(BlockingCollection<Action> queue, IJobReporter host, CancellationToken cancellationToken) : IJobReporter
    {
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

        public void RecordError(JobRecordError error) => Post(() => host.RecordError(error));

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
