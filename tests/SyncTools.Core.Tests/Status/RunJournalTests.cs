using SyncTools.Core.Jobs;
using SyncTools.Core.Status;
using SyncTools.Core.Tests.Support;

namespace SyncTools.Core.Tests.Status;

public sealed class RunJournalTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"journal-{Guid.NewGuid():N}", "journal.jsonl");
    private readonly MongoTestDatabase _mongo = new();

    public Task InitializeAsync() => _mongo.InitializeAsync();

    public async Task DisposeAsync()
    {
        if (Directory.Exists(Path.GetDirectoryName(_path))) Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
        await _mongo.DisposeAsync();
    }

    private static JournalEntry Entry(string job, RunStatus status = RunStatus.Succeeded, long inserted = 1) =>
        new(Guid.NewGuid(), job, "db.source", "db.target", DateTimeOffset.UtcNow.AddSeconds(-2), DateTimeOffset.UtcNow, status, new Dictionary<string, long> { ["Inserted"] = inserted }, status == RunStatus.Failed ? "boom" : null);

    private static async Task<List<JournalEntry>> All(IRunJournal journal, RecordingReporter? reporter = null)
    {
        var entries = new List<JournalEntry>();
        await foreach (var entry in journal.ReadAsync(reporter ?? new RecordingReporter(), CancellationToken.None)) entries.Add(entry);
        return entries;
    }

    [Fact]
    public async Task Entries_round_trip_through_the_file()
    {
        var journal = new FileRunJournal(_path);
        var entry = Entry("Sync-TowAndGoToMongo", RunStatus.Failed);

        await journal.AppendAsync(entry, CancellationToken.None);

        var read = Assert.Single(await All(journal));
        Assert.Equal((entry.RunId, entry.Job, entry.Source, entry.Target, entry.Status, entry.Error), (read.RunId, read.Job, read.Source, read.Target, read.Status, read.Error));
        Assert.Equal(entry.Started, read.Started);
        Assert.Equal(1, read.Counts["Inserted"]);
    }

    [Fact]
    public async Task Concurrent_writers_lose_and_mangle_nothing()
    {
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            // Each writer its own journal object, as separate scheduled runs would have.
            var journal = new FileRunJournal(_path);
            for (var i = 0; i < 100; i++) await journal.AppendAsync(Entry($"job{w}", inserted: i), CancellationToken.None);
        }));

        await Task.WhenAll(writers);

        var reporter = new RecordingReporter();
        var entries = await All(new FileRunJournal(_path), reporter);
        Assert.Equal(400, entries.Count);
        Assert.Empty(reporter.Warnings);
        Assert.All(Enumerable.Range(0, 4), w => Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), entries.Where(e => e.Job == $"job{w}").Select(e => e.Counts["Inserted"])));
    }

    [Fact]
    public async Task A_corrupt_line_is_skipped_with_a_warning_naming_it()
    {
        var journal = new FileRunJournal(_path);
        await journal.AppendAsync(Entry("a"), CancellationToken.None);
        await File.AppendAllTextAsync(_path, "{\"runId\": \"not-a-guid\", truncated\n");
        await journal.AppendAsync(Entry("b"), CancellationToken.None);
        var reporter = new RecordingReporter();

        var entries = await All(journal, reporter);

        Assert.Equal(["a", "b"], entries.Select(e => e.Job));
        Assert.Equal($"The run journal {_path} has an unreadable line 2: skipped.", Assert.Single(reporter.Warnings));
    }

    private static JournalEntry Aged(string job, string target, int daysAgo) =>
        new(Guid.NewGuid(), job, "s", target, DateTimeOffset.UtcNow.AddDays(-daysAgo).AddSeconds(-1), DateTimeOffset.UtcNow.AddDays(-daysAgo), RunStatus.Succeeded, new Dictionary<string, long>(), null);

    public static TheoryData<string> Stores => new() { "file", "mongodb" };

    private IRunJournal Store(string kind) => kind == "file" ? new FileRunJournal(_path) : new MongoRunJournal(_mongo.Endpoint, _mongo.Name);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Keeps_source_and_target_by_what_they_are_and_reads_entries_from_before_it_did(string kind)
    {
        var journal = Store(kind);
        var source = new SyncEndpoint(SyncEndpoint.PostgreSql, "pg1:5432", "kyc", "public", "sims");
        var target = new SyncEndpoint(SyncEndpoint.MongoDb, "mongo1:27017,mongo2:27017", "kyc", "sims");
        var old = Entry("Start-FullSync");
        await journal.AppendAsync(old, CancellationToken.None);
        await journal.AppendAsync(Entry("Start-FullSync") with { Source = source.ToString(), Target = target.ToString(), SourceEndpoint = source, TargetEndpoint = target }, CancellationToken.None);

        var entries = await All(journal);

        Assert.Equal((null, null, "db.target"), (entries[0].SourceEndpoint, entries[0].TargetEndpoint, entries[0].Target));
        Assert.Equal((source, target, "mongodb://mongo1:27017,mongo2:27017/kyc/sims"), (entries[1].SourceEndpoint, entries[1].TargetEndpoint, entries[1].Target));
        Assert.Equal(["public", "sims"], entries[1].SourceEndpoint!.Path);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_retired_target_leaves_the_journal_and_the_others_stay(string kind)
    {
        var journal = Store(kind);
        foreach (var entry in new[] { Aged("A", "x", 1), Aged("A", "y", 1), Aged("B", "x", 1), Aged("A", "x", 0) }) await journal.AppendAsync(entry, CancellationToken.None);

        var removed = await journal.RemoveAsync([("A", "x")], CancellationToken.None);

        Assert.Equal(2, removed);
        Assert.Equal([("A", "y"), ("B", "x")], (await All(journal)).Select(e => (e.Job, e.Target)).Order());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Runs_past_the_retention_go_but_never_a_targets_last_run(string kind)
    {
        var journal = Store(kind);
        var oldOnly = Aged("A", "old-only", 200);
        var recent = Aged("A", "busy", 1);
        if (kind == "file")
        {
            // Past the size at which the file compacts: many old runs of a busy target, written as the journal writes them.
            await journal.AppendAsync(oldOnly, CancellationToken.None);
            var line = await File.ReadAllTextAsync(_path);
            await File.AppendAllTextAsync(_path, string.Concat(Enumerable.Repeat(line.Replace("old-only", "busy"), (int)(2 * FileRunJournal.CompactAt / line.Length))));
        }
        else
        {
            await journal.AppendAsync(oldOnly, CancellationToken.None);
            foreach (var _ in Enumerable.Range(0, 3)) await journal.AppendAsync(Aged("A", "busy", 120), CancellationToken.None);
        }

        await journal.AppendAsync(recent, CancellationToken.None);

        var entries = await All(journal);
        Assert.Equal(new[] { oldOnly.RunId, recent.RunId }.Order(), entries.Select(e => e.RunId).Order());
    }

    [Fact]
    public async Task The_MongoDB_store_round_trips()
    {
        var journal = new MongoRunJournal(_mongo.Endpoint, _mongo.Name);
        var first = Entry("Update-ClusterId");
        var second = Entry("Update-ClusterId", RunStatus.Aborted);

        await journal.AppendAsync(first, CancellationToken.None);
        await journal.AppendAsync(second, CancellationToken.None);

        var entries = await All(journal);
        Assert.Equal([first.RunId, second.RunId], entries.Select(e => e.RunId));
        Assert.Equal(RunStatus.Aborted, entries[1].Status);
        Assert.Equal(first.Counts, entries[0].Counts);
    }

    private sealed record FakeResult(Guid RunId, long Inserted, int Links, string Name) : IJobResult
    {
        public string Job => "Fake";
    }

    [Fact]
    public async Task Runs_are_recorded_as_succeeded_failed_or_aborted_and_WhatIf_and_argument_errors_not_at_all()
    {
        var journal = new FileRunJournal(_path);
        var reporter = new RecordingReporter();
        var ok = new FakeResult(Guid.NewGuid(), 5, 7, "x");

        await Journaled.RunAsync(journal, "Fake", TestEndpoints.Source, TestEndpoints.Target, reporter, () => Task.FromResult<FakeResult?>(ok), CancellationToken.None);
        await Journaled.RunAsync(journal, "Fake", TestEndpoints.Source, TestEndpoints.Target, reporter, () => Task.FromResult<FakeResult?>(null), CancellationToken.None);
        await Assert.ThrowsAsync<SyncToolsException>(() => Journaled.RunAsync<FakeResult>(journal, "Fake", TestEndpoints.Source, TestEndpoints.Target, reporter,
            () => throw new SyncToolsException("MySQL at u@h:1/db is down", JobErrorCategory.ConnectionError, "Down"), CancellationToken.None));
        await Assert.ThrowsAsync<SyncToolsException>(() => Journaled.RunAsync<FakeResult>(journal, "Fake", TestEndpoints.Source, TestEndpoints.Target, reporter,
            () => throw new SyncToolsException("The batch size must be at least 1.", JobErrorCategory.InvalidArgument, "BatchSizeInvalid"), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Journaled.RunAsync<FakeResult>(journal, "Fake", TestEndpoints.Source, TestEndpoints.Target, reporter,
            () => throw new InvalidOperationException("password=hunter2"), CancellationToken.None));
        await Assert.ThrowsAsync<OperationCanceledException>(() => Journaled.RunAsync<FakeResult>(journal, "Fake", TestEndpoints.Source, TestEndpoints.Target, reporter,
            () => throw new OperationCanceledException(), CancellationToken.None));

        var entries = await All(journal);
        Assert.Equal([RunStatus.Succeeded, RunStatus.Failed, RunStatus.Failed, RunStatus.Aborted], entries.Select(e => e.Status));
        Assert.Equal(ok.RunId, entries[0].RunId);
        Assert.Equal(new Dictionary<string, long> { ["Inserted"] = 5, ["Links"] = 7 }, entries[0].Counts);
        Assert.Equal("MySQL at u@h:1/db is down", entries[1].Error);
        Assert.Equal("Unexpected InvalidOperationException.", entries[2].Error);
        Assert.DoesNotContain("hunter2", await File.ReadAllTextAsync(_path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unwritable_journal_warns_but_does_not_fail_the_run()
    {
        var blocked = Path.Combine(Path.GetTempPath(), $"journal-file-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(blocked, "a file where the journal's folder should be");
        var reporter = new RecordingReporter();
        var result = new FakeResult(Guid.NewGuid(), 1, 1, "x");

        Assert.Same(result, await Journaled.RunAsync(new FileRunJournal(Path.Combine(blocked, "journal.jsonl")), "Fake", TestEndpoints.Source, TestEndpoints.Target, reporter, () => Task.FromResult<FakeResult?>(result), CancellationToken.None));

        Assert.StartsWith("The run was not recorded in the journal", Assert.Single(reporter.Warnings));
        File.Delete(blocked);
    }
}
