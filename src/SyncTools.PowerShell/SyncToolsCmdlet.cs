using System.Collections;
using System.Management.Automation;
using SyncTools.Core.Jobs;
using SyncTools.Core.Status;

namespace SyncTools.PowerShell;

/// <summary>
/// The base of every SyncTools cmdlet: runs a job off the pipeline thread and relays its progress, messages,
/// record errors and ShouldProcess questions onto it; Ctrl+C cancels the job; a job that fails becomes one
/// terminating error with a category, an id and a target.
/// </summary>
public abstract class SyncToolsCmdlet : PSCmdlet, IJobReporter
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, int> _activityIds = new();

    /// <summary>
    /// Keep the run journal in this MongoDB database (collection synctools.sync_journal) instead of the local file;
    /// default $env:SYNCTOOLS_JOURNAL_URI. The local file is $env:SYNCTOOLS_JOURNAL, else the user's state directory.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JournalConnectionString { get; set; }

    protected IRunJournal Journal => RunJournal.Open(JournalConnectionString);

    /// <summary>Handles one pipeline input: binds options, runs the job with <see cref="RunJob"/>, writes its results.</summary>
    protected abstract void ProcessInput();

    /// <summary>Runs <see cref="ProcessInput"/>; a job that cannot run or finish becomes one terminating error.</summary>
    protected sealed override void ProcessRecord()
    {
        try
        {
            ProcessInput();
        }
        catch (SyncToolsException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, e.ErrorId, Map(e.Category), e.Target));
        }
    }

    /// <summary>Runs a job to its end, relaying its reports; returns its result.</summary>
    protected T RunJob<T>(Func<IJobReporter, CancellationToken, Task<T>> job)
    {
        try
        {
            return ReportPump.Run(job, this, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            CompleteProgress();
        }
    }

    /// <summary>Runs a job that writes and records its run (succeeded, failed or aborted; not -WhatIf) in the journal.</summary>
    protected T? RunJournaledJob<T>(string job, string source, string target, Func<IJobReporter, CancellationToken, Task<T?>> run)
        where T : class, IJobResult
    {
        var journal = Journal;
        return RunJob((reporter, token) => Journaled.RunAsync(journal, job, source, target, reporter, () => run(reporter, token), token));
    }

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Unwraps what PowerShell hands a cmdlet (PSObject, PSCustomObject from ConvertFrom-Json, hashtables,
    /// arrays) into plain dictionaries, lists and scalars that the engine can serialize.
    /// </summary>
    protected static object? ToPlainData(object? value) => value switch
    {
        null => null,
        PSObject { BaseObject: PSCustomObject } pso => pso.Properties.ToDictionary(p => p.Name, p => ToPlainData(p.Value)),
        PSObject pso => ToPlainData(pso.BaseObject),
        string or ValueType => value,
        IDictionary dictionary => dictionary.Keys.Cast<object>().ToDictionary(k => k.ToString()!, k => ToPlainData(dictionary[k])),
        IEnumerable list => list.Cast<object?>().Select(ToPlainData).ToList(),
        _ => value,
    };

    void IJobReporter.Progress(JobProgress progress)
    {
        if (!_activityIds.TryGetValue(progress.Activity, out var id))
        {
            _activityIds[progress.Activity] = id = _activityIds.Count + 1;
        }

        WriteProgress(new ProgressRecord(id, progress.Activity, progress.Status ?? $"{progress.Done:N0}")
        {
            PercentComplete = progress.PercentComplete ?? -1,
        });
    }

    void IJobReporter.Verbose(string message) => WriteVerbose(message);

    void IJobReporter.Warning(string message) => WriteWarning(message);

    void IJobReporter.RecordError(JobRecordError error) =>
        WriteError(new ErrorRecord(error.Exception ?? new SyncToolsException(error.Message, error.Category, error.ErrorId, error.Target), error.ErrorId, Map(error.Category), error.Target)
        {
            ErrorDetails = new ErrorDetails(error.Message),
        });

    bool IJobReporter.ShouldProcess(string target, string action) => ShouldProcess(target, action);

    private void CompleteProgress()
    {
        foreach (var (activity, id) in _activityIds)
        {
            WriteProgress(new ProgressRecord(id, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        _activityIds.Clear();
    }

    private static ErrorCategory Map(JobErrorCategory category) => Enum.Parse<ErrorCategory>(category.ToString());
}
