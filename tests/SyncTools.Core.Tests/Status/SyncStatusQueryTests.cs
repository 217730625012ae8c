using SyncTools.Core.Status;
using SyncTools.Core.Tests.Support;

namespace SyncTools.Core.Tests.Status;

public sealed class SyncStatusQueryTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"status-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(_path);

    private async Task<JournalEntry> Add(string job, string target, RunStatus status, TimeSpan ago, string? error = null, Dictionary<string, long>? counts = null)
    {
        var entry = new JournalEntry(Guid.NewGuid(), job, "source", target, Now - ago - TimeSpan.FromSeconds(30), Now - ago, status, counts ?? new Dictionary<string, long> { ["Inserted"] = 3, ["Updated"] = 0 }, error);
        await new FileRunJournal(_path).AppendAsync(entry, CancellationToken.None);
        return entry;
    }

    private Task<List<SyncStatus>> Query(SyncStatusOptions? options = null) =>
        SyncStatusQuery.RunAsync((options ?? new SyncStatusOptions()) with { Now = Now }, new FileRunJournal(_path), new RecordingReporter(), CancellationToken.None);

    [Fact]
    public async Task One_status_per_job_and_target_from_its_last_run()
    {
        await Add("Sync-TowAndGoToMongo", "towandgo.links", RunStatus.Failed, TimeSpan.FromHours(5), "S3 down");
        var last = await Add("Sync-TowAndGoToMongo", "towandgo.links", RunStatus.Succeeded, TimeSpan.FromHours(1));
        await Add("Update-ClusterId", "maas.cm_cluster_id.cluster_id", RunStatus.Succeeded, TimeSpan.FromHours(2));

        var statuses = await Query();

        Assert.Equal(2, statuses.Count);
        var sync = statuses[0];
        Assert.Equal(("Sync-TowAndGoToMongo", "towandgo.links", last.RunId, true, ""), (sync.Job, sync.Target, sync.RunId, sync.IsHealthy, sync.Reason));
        Assert.Equal((last.Finished, "Succeeded", last.Finished, 2), (sync.LastRun, sync.LastStatus, sync.LastSuccess, sync.Runs));
        Assert.Equal("Inserted=3; Updated=0", sync.Counts);
        Assert.Equal(TimeSpan.FromSeconds(30), sync.Duration);
    }

    [Fact]
    public async Task A_failed_last_run_is_unhealthy_with_its_error()
    {
        await Add("Update-ClusterId", "t", RunStatus.Succeeded, TimeSpan.FromHours(3));
        await Add("Update-ClusterId", "t", RunStatus.Failed, TimeSpan.FromHours(1), "Cannot reach MySQL at sync@db1:3306/maas");

        var status = Assert.Single(await Query());

        Assert.False(status.IsHealthy);
        Assert.Equal("The last run failed at 2026-11-22 11:00:00Z: Cannot reach MySQL at sync@db1:3306/maas", status.Reason);
        Assert.Equal(Now - TimeSpan.FromHours(3), status.LastSuccess);
    }

    [Fact]
    public async Task No_success_within_MaxAge_is_unhealthy()
    {
        await Add("Send-TowAndGoData", "s3://traffic", RunStatus.Succeeded, TimeSpan.FromHours(30));

        var status = Assert.Single(await Query());
        var lenient = Assert.Single(await Query(new SyncStatusOptions { MaxAge = TimeSpan.FromDays(2) }));

        Assert.Equal("No success for 30 hours (more than 26 hours): is the job still scheduled?", status.Reason);
        Assert.True(lenient.IsHealthy);
    }

    [Fact]
    public async Task Filters_by_job_by_run_and_to_the_unhealthy()
    {
        var run = await Add("Sync-TowAndGoToMongo", "a.links", RunStatus.Succeeded, TimeSpan.FromHours(1));
        await Add("Sync-TowAndGoToMongo", "b.links", RunStatus.Aborted, TimeSpan.FromHours(1), "Stopped by the user.");
        await Add("Update-ClusterId", "t", RunStatus.Succeeded, TimeSpan.FromHours(1));

        Assert.Equal(2, (await Query(new SyncStatusOptions { Job = "sync-towandgotomongo" })).Count);
        Assert.Equal("a.links", Assert.Single(await Query(new SyncStatusOptions { RunId = run.RunId })).Target);
        Assert.Equal("b.links", Assert.Single(await Query(new SyncStatusOptions { UnhealthyOnly = true })).Target);
        Assert.Empty(await Query(new SyncStatusOptions { RunId = Guid.NewGuid() }));
    }

    [Fact]
    public async Task A_successful_run_that_failed_or_skipped_rows_is_degraded_and_listed_with_the_unhealthy()
    {
        await Add("Invoke-OrgSync", "org", RunStatus.Succeeded, TimeSpan.FromHours(1), counts: new() { ["Inserted"] = 10, ["Failed"] = 3, ["Skipped"] = 0 });
        await Add("Update-ClusterId", "ids", RunStatus.Succeeded, TimeSpan.FromHours(1), counts: new() { ["Inserted"] = 10, ["Skipped"] = 2 });
        await Add("Send-TowAndGoData", "s3://x", RunStatus.Succeeded, TimeSpan.FromHours(1));

        var statuses = await Query();
        var degraded = await Query(new SyncStatusOptions { UnhealthyOnly = true });
        var unhealthyOnly = await Query(new SyncStatusOptions { UnhealthyOnly = true, IncludeDegraded = false });

        Assert.Equal([SyncHealth.Degraded, SyncHealth.Healthy, SyncHealth.Degraded], statuses.Select(s => s.Health));
        Assert.Equal("The last run succeeded with 3 failed and 0 skipped rows: see the run's errors.", statuses[0].Reason);
        Assert.False(statuses[0].IsHealthy);
        Assert.Equal(["Invoke-OrgSync", "Update-ClusterId"], degraded.Select(s => s.Job));
        Assert.Empty(unhealthyOnly);
    }

    [Fact]
    public async Task A_target_left_holding_rows_its_source_no_longer_has_is_degraded()
    {
        await Add("Invoke-OrgSync", "org", RunStatus.Succeeded, TimeSpan.FromHours(1), counts: new() { ["Inserted"] = 0, ["Stale"] = 4 });

        var status = Assert.Single(await Query());

        Assert.Equal(SyncHealth.Degraded, status.Health);
        Assert.Equal("The target holds 4 rows whose source rows are gone or inactive, with whatever access they give: run the job with -RemoveMissing.", status.Reason);
    }

    [Fact]
    public async Task An_empty_journal_has_no_statuses()
    {
        Assert.Empty(await Query());
    }
}
