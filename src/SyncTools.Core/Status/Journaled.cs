using SyncTools.Core.Jobs;

namespace SyncTools.Core.Status;

/// <summary>
/// Runs a job and records it in the journal: succeeded (with its counts), failed (with its error), or aborted. An
/// argument the job refuses (category InvalidArgument) is not a run and is not recorded; nor is a run that wrote
/// nothing on purpose.
/// </summary>
public static class Journaled
{
    /// <param name="journal">Null: record nothing (the host passes null under -WhatIf).</param>
    /// <param name="run">The job; a null result means it wrote nothing on purpose (-WhatIf), which is not recorded.</param>
    /// <param name="source">Where the job reads; null for a file or the pipeline.</param>
    public static async Task<T?> RunAsync<T>(IRunJournal? journal, string job, SyncEndpoint? source, SyncEndpoint target, IJobReporter reporter, Func<Task<T?>> run, CancellationToken cancellationToken)
        where T : class, IJobResult
    {
        var started = DateTimeOffset.UtcNow;
        Task Record(Guid runId, RunStatus status, Dictionary<string, long> counts, string? error) =>
            RecordAsync(journal, new(runId, job, source?.ToString(), target.ToString(), started, DateTimeOffset.UtcNow, status, counts, error, source, target), reporter);
        try
        {
            var result = await run().ConfigureAwait(false);
            if (result is not null) await Record(result.RunId, RunStatus.Succeeded, Counts(result), null).ConfigureAwait(false);
            return result;
        }
        catch (OperationCanceledException) when ((reporter as IJobStopCause)?.StopCause is { } cause)
        {
            // Stopped at an error the user asked to stop at: a failure, with that error as its cause.
            await Record(Guid.NewGuid(), RunStatus.Failed, [], cause).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException)
        {
            await Record(Guid.NewGuid(), RunStatus.Aborted, [], "Stopped by the user.").ConfigureAwait(false);
            throw;
        }
        catch (SyncToolsException e) when (e.Category == JobErrorCategory.InvalidArgument)
        {
            throw;
        }
        catch (JobAbortedException e)
        {
            await Record(e.RunId ?? Guid.NewGuid(), RunStatus.Aborted, [], e.Message).ConfigureAwait(false);
            throw;
        }
        catch (SyncToolsException e)
        {
            await Record(e.RunId ?? Guid.NewGuid(), RunStatus.Failed, [], e.Message).ConfigureAwait(false);
            throw;
        }
        catch (Exception e)
        {
            // SyncTools messages never hold secrets; anything else could, so only its type is kept.
            await Record(Guid.NewGuid(), RunStatus.Failed, [], $"Unexpected {e.GetType().Name}.").ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A result's whole-number properties, by name.</summary>
    public static Dictionary<string, long> Counts(IJobResult result) =>
        result.GetType().GetProperties()
            .Where(p => p.PropertyType == typeof(long) || p.PropertyType == typeof(int))
            .ToDictionary(p => p.Name, p => Convert.ToInt64(p.GetValue(result)));

    private static async Task RecordAsync(IRunJournal? journal, JournalEntry entry, IJobReporter reporter)
    {
        if (journal is null) return;
        try
        {
            // Not under the job's token: a stopped run is recorded as aborted all the same.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await journal.AppendAsync(entry, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or SyncToolsException)
        {
            reporter.Warning($"The run was not recorded in the journal {journal.Location}: {e.Message}");
        }
    }
}
