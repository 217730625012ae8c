using SyncTools.Core.Jobs;

namespace SyncTools.Core.Status;

/// <summary>What Get-SyncStatus asks for.</summary>
public sealed record SyncStatusOptions
{
    /// <summary>A daily job with slack: no success for longer than this is unhealthy.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(26);

    public string? Job { get; init; }

    /// <summary>Only the job and target of this run.</summary>
    public Guid? RunId { get; init; }

    public TimeSpan MaxAge { get; init; } = DefaultMaxAge;

    public bool UnhealthyOnly { get; init; }

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
        foreach (var group in groups.Where(g => options.Job is null || string.Equals(g.Key.Job, options.Job, StringComparison.OrdinalIgnoreCase)))
        {
            var runs = group.OrderBy(e => e.Finished).ToList();
            (long? Source, long? Target) counts = (null, null);
            if (options.Live is { } live)
            {
                reporter.Progress(new JobProgress("Counting sources and targets", statuses.Count, null, $"{group.Key.Job} {group.Key.Target}"));
                try { counts = await LiveCounts.CountAsync(runs[^1], live, cancellationToken).ConfigureAwait(false); }
                catch (SyncToolsException e) { reporter.Warning($"{group.Key.Job} {group.Key.Target} could not be counted: {e.Message}"); }
            }

            var status = Status(runs, counts, options);
            if (!options.UnhealthyOnly || !status.IsHealthy) statuses.Add(status);
        }

        return statuses.OrderBy(s => s.Job).ThenBy(s => s.Target).ToList();
    }

    private static SyncStatus Status(List<JournalEntry> runs, (long? Source, long? Target) counts, SyncStatusOptions options)
    {
        var last = runs[^1];
        var lastSuccess = runs.LastOrDefault(r => r.Status == RunStatus.Succeeded);
        var reason = last.Status != RunStatus.Succeeded
            ? $"The last run {last.Status.ToString().ToLowerInvariant()} at {last.Finished:u}: {last.Error}"
            : lastSuccess is not null && options.Now - lastSuccess.Finished > options.MaxAge
                ? $"No success for {Age(options.Now - lastSuccess.Finished)} (more than {Age(options.MaxAge)}): is the job still scheduled?"
                : counts is { Source: { } source, Target: { } target } && target < source
                    ? $"The target holds {target:N0}, fewer than the source's {source:N0}: run the job, and look for records it skips."
                    : "";
        return new SyncStatus
        {
            Job = last.Job,
            RunId = last.RunId,
            Target = last.Target,
            IsHealthy = reason.Length == 0,
            Reason = reason,
            LastRun = last.Finished,
            LastStatus = last.Status.ToString(),
            LastSuccess = lastSuccess?.Finished,
            Duration = last.Duration,
            Counts = string.Join("; ", last.Counts.Select(c => $"{c.Key}={c.Value}")),
            Runs = runs.Count,
            SourceCount = counts.Source,
            TargetCount = counts.Target,
        };
    }

    private static string Age(TimeSpan age) => age.TotalHours >= 48 ? $"{age.TotalDays:0.#} days" : age.TotalHours >= 1 ? $"{age.TotalHours:0.#} hours" : $"{age.TotalMinutes:0} minutes";
}
