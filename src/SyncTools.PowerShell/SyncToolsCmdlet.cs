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
public abstract class SyncToolsCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private CmdletReporter? _reporter;

    /// <summary>
    /// Keep the run journal in this MongoDB database (collection synctools.sync_journal) instead of the local file;
    /// default $env:SYNCTOOLS_JOURNAL_URI. The local file is $env:SYNCTOOLS_JOURNAL, else the user's state directory.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JournalConnectionString { get; set; }

    protected internal IRunJournal Journal => RunJournal.Open(JournalConnectionString);

    /// <summary>-WhatIf given, or $WhatIfPreference set.</summary>
    protected internal bool WhatIfRequested =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf) ? ((SwitchParameter)whatIf).IsPresent
            : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));

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
            ThrowTerminatingError(new ErrorRecord(e, e.ErrorId, CmdletReporter.Map(e.Category), e.Target));
        }
    }

    /// <summary>Runs a job to its end, relaying its reports; returns its result.</summary>
    protected internal T RunJob<T>(Func<IJobReporter, CancellationToken, Task<T>> job)
    {
        try
        {
            return ReportPump.Run(job, _reporter ??= new CmdletReporter(this), _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            _reporter?.CompleteProgress();
        }
    }

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>The password of a credential, or null.</summary>
    protected static string? PasswordOf(PSCredential? credential) => credential?.GetNetworkCredential().Password;

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
}
