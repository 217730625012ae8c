using SyncTools.Core.Jobs;
using SyncTools.Core.Tests.Support;

namespace SyncTools.Core.Tests.Jobs;

public class ReportPumpTests
{
    /// <summary>A host that, like PowerShell, must only be called on the thread that started the job.</summary>
    private sealed class ThreadBoundHost(bool approve) : IJobReporter
    {
        private readonly int _thread = Environment.CurrentManagedThreadId;
        public RecordingReporter Inner { get; } = new(approve);

        public void Progress(JobProgress progress) { Check(); Inner.Progress(progress); }
        public void Verbose(string message) { Check(); Inner.Verbose(message); }
        public void Warning(string message) { Check(); Inner.Warning(message); }
        public void RecordError(JobRecordError error) { Check(); Inner.RecordError(error); }
        public bool ShouldProcess(string target, string action) { Check(); return Inner.ShouldProcess(target, action); }

        private void Check() => Assert.Equal(_thread, Environment.CurrentManagedThreadId);
    }

    [Fact]
    public void Reports_reach_the_host_on_the_calling_thread_in_order()
    {
        var host = new ThreadBoundHost(approve: true);
        var jobThread = 0;

        var result = ReportPump.Run(async (reporter, _) =>
        {
            jobThread = Environment.CurrentManagedThreadId;
            reporter.Verbose("one");
            await Task.Yield();
            reporter.Warning("two");
            reporter.RecordError(new JobRecordError("three", JobErrorCategory.InvalidData, "Bad", "row 3"));
            var answer = reporter.ShouldProcess("target", "write");
            reporter.Verbose("four");
            return answer ? 42 : 0;
        }, host, CancellationToken.None);

        Assert.Equal(42, result);
        Assert.NotEqual(Environment.CurrentManagedThreadId, jobThread);
        Assert.Equal(["one", "four"], host.Inner.Verboses);
        Assert.Equal(["two"], host.Inner.Warnings);
        Assert.Equal("three", Assert.Single(host.Inner.Errors).Message);
        Assert.Equal(("target", "write"), Assert.Single(host.Inner.Questions));
    }

    [Fact]
    public void A_declined_write_answers_false()
    {
        var host = new ThreadBoundHost(approve: false);
        Assert.False(ReportPump.Run((reporter, _) => Task.FromResult(reporter.ShouldProcess("t", "a")), host, CancellationToken.None));
    }

    [Fact]
    public void Progress_is_throttled_but_keeps_the_first_and_last()
    {
        var host = new ThreadBoundHost(approve: true);

        ReportPump.Run((reporter, _) =>
        {
            for (var i = 1; i <= 1000; i++)
            {
                reporter.Progress(new JobProgress("copy", i, 1000));
            }

            return Task.FromResult(0);
        }, host, CancellationToken.None);

        var done = host.Inner.Progresses.Select(p => p.Done).ToList();
        Assert.Equal(1, done[0]);
        Assert.Equal(1000, done[^1]);
        Assert.True(done.Count < 20, $"{done.Count} progress reports relayed");
    }

    [Fact]
    public void The_jobs_exception_is_rethrown_as_it_is()
    {
        var error = Assert.Throws<SyncToolsException>(() => ReportPump.Run<int>(async (_, _) =>
        {
            await Task.Yield();
            throw new SyncToolsException("no", JobErrorCategory.ObjectNotFound, "Missing");
        }, new RecordingReporter(), CancellationToken.None));

        Assert.Equal("Missing", error.ErrorId);
    }

    [Fact]
    public void Cancelling_stops_the_job_and_surfaces_as_cancellation()
    {
        using var stop = new CancellationTokenSource();
        var started = new ManualResetEventSlim();
        _ = Task.Run(() => { started.Wait(); stop.Cancel(); });

        Assert.ThrowsAny<OperationCanceledException>(() => ReportPump.Run(async (_, token) =>
        {
            started.Set();
            await Task.Delay(Timeout.Infinite, token);
            return 0;
        }, new RecordingReporter(), stop.Token));
    }

    [Fact]
    public void A_failing_host_cancels_the_job_and_waits_for_it()
    {
        var jobSawCancellation = false;
        var host = new FailingHost();

        Assert.Throws<InvalidOperationException>(() => ReportPump.Run(async (reporter, token) =>
        {
            reporter.Verbose("boom");
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), token);
            }
            catch (OperationCanceledException)
            {
                jobSawCancellation = true;
                throw;
            }

            return 0;
        }, host, CancellationToken.None));

        Assert.True(jobSawCancellation);
    }

    [Fact]
    public async Task A_record_error_the_host_stops_at_stops_the_job_there_and_is_journaled_as_the_cause()
    {
        var journal = new SyncTools.Core.Status.FileRunJournal(Path.Combine(Path.GetTempPath(), $"pump-{Guid.NewGuid():N}.jsonl"));
        var wroteAfter = false;

        // A host that stops at the first record error, as PowerShell does under -ErrorAction Stop.
        Assert.Throws<InvalidOperationException>(() => ReportPump.Run((reporter, token) => SyncTools.Core.Status.Journaled.RunAsync(journal, "Fake", TestEndpoints.Source, TestEndpoints.Target, reporter, () =>
        {
            reporter.RecordError(new JobRecordError("row 4 is too long", JobErrorCategory.InvalidData, "RowFailed", "row 4"));
            wroteAfter = true;
            return Task.FromResult<FakeResult?>(new FakeResult(Guid.NewGuid()));
        }, token), new StoppingHost(), CancellationToken.None));

        var entry = Assert.Single(await journal.ReadAsync(new RecordingReporter(), CancellationToken.None).ToListAsync());
        Assert.False(wroteAfter);
        Assert.Equal(SyncTools.Core.Status.RunStatus.Failed, entry.Status);
        Assert.Equal("Stopped at a record error, as asked (-ErrorAction Stop): row 4 is too long", entry.Error);
        File.Delete(journal.Location);
    }

    private sealed record FakeResult(Guid RunId) : IJobResult
    {
        public string Job => "Fake";
    }

    private sealed class StoppingHost : IJobReporter
    {
        public void Progress(JobProgress progress) { }
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void RecordError(JobRecordError error) => throw new InvalidOperationException("The pipeline has been stopped.");
        public bool ShouldProcess(string target, string action) => true;
    }

    private sealed class FailingHost : IJobReporter
    {
        public void Progress(JobProgress progress) { }
        public void Verbose(string message) => throw new InvalidOperationException("pipeline stopped");
        public void Warning(string message) { }
        public void RecordError(JobRecordError error) { }
        public bool ShouldProcess(string target, string action) => true;
    }
}
