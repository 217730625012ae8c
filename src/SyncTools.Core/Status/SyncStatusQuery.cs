using SyncTools.Core.Jobs;

namespace SyncTools.Core.Status;

/// <summary>What Get-SyncStatus asks for.</summary>
public sealed record SyncStatusOptions
{
    /// <summary>A daily job with slack: no success for longer than this is unhealthy.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(26);

    /// <summary>Only jobs whose name matches: * and ? as wildcards, any case.</summary>
    public string? Job { get; init; }

    /// <summary>Only targets that match: * and ? as wildcards, any case.</summary>
    public string? Target { get; init; }

    /// <summary>Only the job and target of this run.</summary>
    public Guid? RunId { get; init; }

    public TimeSpan MaxAge { get; init; } = DefaultMaxAge;

    /// <summary>A change sync further behind than this is unhealthy.</summary>
    public static readonly TimeSpan DefaultMaxLag = TimeSpan.FromHours(1);

    /// <summary>A change sync's slot that no consumer reads and that holds back more WAL than this is unhealthy: the server's disk fills.</summary>
    public const long DefaultMaxRetainedWalBytes = 1L << 30;

    public TimeSpan MaxLag { get; init; } = DefaultMaxLag;

    public long MaxRetainedWalBytes { get; init; } = DefaultMaxRetainedWalBytes;

    /// <summary>Only what is not healthy: unhealthy, and degraded unless <see cref="IncludeDegraded"/> is false.</summary>
    public bool UnhealthyOnly { get; init; }

    public bool IncludeDegraded { get; init; } = true;

    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Where to count sources and targets live; null for the journal alone.</summary>
    public LiveConnections? Live { get; init; }
}

/// <summary>One status per job and target seen in the journal, with its health and the reason for it.</summary>
public static class SyncStatusQuery
{
    public static async Task<List<SyncStatus>> RunAsync(SyncStatusOptions options, IRunJournal journal, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var entries = new List<JournalEntry>();
        await foreach (var entry in journal.ReadAsync(reporter, cancellationToken).ConfigureAwait(false)) entries.Add(entry);
        var groups = entries.GroupBy(e => (e.Job, e.Target));
        if (options.RunId is { } runId)
        {
            var run = entries.FirstOrDefault(e => e.RunId == runId);
            if (run is null) reporter.Warning($"Run {runId} is not in the journal {journal.Location}.");
            groups = groups.Where(g => run is not null && g.Key == (run.Job, run.Target));
        }

        var statuses = new List<SyncStatus>();
        var matching = groups.Where(g => Matches(options.Job, g.Key.Job) && Matches(options.Target, g.Key.Target)).ToList();
        if (matching.Count == 0 && (options.Job ?? options.Target) is not null)
        {
            reporter.Warning($"No run in the journal {journal.Location} matches{(options.Job is null ? "" : $" -Job '{options.Job}'")}{(options.Target is null ? "" : $" -Target '{options.Target}'")}.");
        }

        foreach (var group in matching)
        {
            var runs = group.OrderBy(e => e.Finished).ToList();
            (long? Source, long? Target) counts = (null, null);
            ReplicationSlotHealth? slot = null;
            if (options.Live is { } live)
            {
                reporter.Progress(new JobProgress("Counting sources and targets", statuses.Count, null, $"{group.Key.Job} {group.Key.Target}"));
                try
                {
                    counts = await LiveCounts.CountAsync(runs[^1], live, cancellationToken).ConfigureAwait(false);
                    slot = await LiveCounts.SlotHealthAsync(runs[^1], live, cancellationToken).ConfigureAwait(false);
                }
                catch (SyncToolsException e) { reporter.Warning($"{group.Key.Job} {group.Key.Target} could not be counted: {e.Message}"); }
            }

            var status = Status(runs, counts, slot, options);
            if (!options.UnhealthyOnly || status.Health == SyncHealth.Unhealthy || (status.Health == SyncHealth.Degraded && options.IncludeDegraded)) statuses.Add(status);
        }

        return statuses.OrderBy(s => s.Job).ThenBy(s => s.Target).ToList();
    }

    private static SyncStatus Status(List<JournalEntry> runs, (long? Source, long? Target) counts, ReplicationSlotHealth? slot, SyncStatusOptions options)
    {
        var last = runs[^1];
        var lag = slot is { Exists: true, LagBytes: > 0 } ? options.Now - (slot.AppliedAt ?? last.Finished.UtcDateTime) : (TimeSpan?)(slot is null ? null : TimeSpan.Zero);
        var lastSuccess = runs.LastOrDefault(r => r.Status == RunStatus.Succeeded);
        long Count(string name) => last.Status == RunStatus.Succeeded && last.Counts.TryGetValue(name, out var n) ? n : 0;
        var (failed, skipped, stale) = (Count("Failed"), Count("Skipped"), Count("Stale"));
        var reason = last.Status != RunStatus.Succeeded
            ? $"The last run {last.Status.ToString().ToLowerInvariant()} at {last.Finished:u}: {last.Error}"
            : lastSuccess is not null && options.Now - lastSuccess.Finished > options.MaxAge
                ? $"No success for {Age(options.Now - lastSuccess.Finished)} (more than {Age(options.MaxAge)}): is the job still scheduled?"
                : slot is { Exists: false }
                    ? $"The replication slot '{slot.Slot}' no longer exists: change capture has stopped. Create a slot and run Start-FullSync with it."
                : lag > options.MaxLag
                    ? $"Change capture is {Age(lag.Value)} behind ({slot!.LagBytes:N0} bytes of WAL, more than {Age(options.MaxLag)}): run Start-ChangeSync, or keep it running with -Follow."
                : slot is { Active: false } && slot.RetainedBytes > options.MaxRetainedWalBytes
                    ? $"The slot '{slot.Slot}' is not being read and holds back {slot.RetainedBytes:N0} bytes of WAL on the server, whose disk fills until Start-ChangeSync runs or the slot is dropped."
                : counts is { Source: { } source, Target: { } target } && target + skipped + failed < source
                    ? $"The target holds {target:N0}, fewer than the source's {source:N0}{(skipped + failed > 0 ? $" less the {skipped + failed:N0} the last run skipped or failed" : "")}: run the job, and look for records it skips."
                    : "";
        // Degraded: nothing is wrong but that the last run left rows out, or left rows the source no longer has, which someone should look at.
        var degraded = reason.Length > 0 ? "" : string.Join(" ", new[]
        {
            failed > 0 || skipped > 0
                ? $"The last run succeeded with {failed:N0} failed and {skipped:N0} skipped rows{(counts.Source is { } s && counts.Target is { } t && t < s ? $" (so the target holds {t:N0} of the source's {s:N0})" : "")}: see the run's errors."
                : "",
            stale > 0
                ? $"The target holds {stale:N0} rows whose source rows are gone or inactive, with whatever access they give: run the job with -RemoveMissing."
                : "",
        }.Where(part => part.Length > 0));
        return new SyncStatus
        {
            Job = last.Job,
            RunId = last.RunId,
            Target = last.Target,
            Health = reason.Length > 0 ? SyncHealth.Unhealthy : degraded.Length > 0 ? SyncHealth.Degraded : SyncHealth.Healthy,
            IsHealthy = reason.Length == 0 && degraded.Length == 0,
            Reason = reason.Length > 0 ? reason : degraded,
            LastRun = last.Finished,
            LastStatus = last.Status.ToString(),
            LastSuccess = lastSuccess?.Finished,
            Duration = last.Duration,
            Counts = string.Join("; ", last.Counts.Select(c => $"{c.Key}={c.Value}")),
            Runs = runs.Count,
            SourceCount = counts.Source,
            TargetCount = counts.Target,
            Lag = lag,
            LagBytes = slot?.LagBytes,
            RetainedWalBytes = slot?.RetainedBytes,
        };
    }

    /// <summary>
    /// Retires the targets that <paramref name="job"/> and <paramref name="target"/> match (wildcards): their runs leave
    /// the journal, so that Get-SyncStatus stops listing them. Each is asked about first.
    /// </summary>
    /// <returns>The statuses removed, as they were.</returns>
    public static async Task<List<SyncStatus>> RemoveAsync(string? job, string? target, IRunJournal journal, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var matching = await RunAsync(new SyncStatusOptions { Job = job, Target = target }, journal, reporter, cancellationToken).ConfigureAwait(false);
        var retired = matching.Where(s => reporter.ShouldProcess(s.Target, $"Remove the {s.Runs:N0} recorded runs of {s.Job} from the journal {journal.Location}")).ToList();
        if (retired.Count > 0) await journal.RemoveAsync(retired.Select(s => (s.Job, s.Target)).ToList(), cancellationToken).ConfigureAwait(false);
        return retired;
    }

    private static bool Matches(string? pattern, string name) =>
        pattern is null || System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pattern, name, ignoreCase: true);

    private static string Age(TimeSpan age) => age.TotalHours >= 48 ? $"{age.TotalDays:0.#} days" : age.TotalHours >= 1 ? $"{age.TotalHours:0.#} hours" : $"{age.TotalMinutes:0} minutes";
}
