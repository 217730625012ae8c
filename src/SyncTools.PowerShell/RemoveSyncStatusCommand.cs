using System.Management.Automation;
using SyncTools.Core.Status;

namespace SyncTools.PowerShell;

/// <summary>Retires a job's target from the run journal, so that Get-SyncStatus no longer lists it.</summary>
/// <remarks>
/// <para>Removes every recorded run of the jobs and targets that -Job and -Target match (wildcards), for a target that no longer exists or was a mistake (a mistyped host or database). It asks before each target (ConfirmImpact High: -Confirm:$false to skip the question in a script) and writes the statuses it removed, as they were. Nothing else is touched: the servers and their data stay as they are.</para>
/// <para>The journal also forgets on its own: runs older than 90 days are dropped, except each target's last run (the file journal compacts itself past 1 MiB; the MongoDB journal as each run is recorded).</para>
/// </remarks>
/// <example title="Retire a target reached under a mistyped host">
/// <code>
/// Remove-SyncStatus -Job Invoke-OrgSync -Target '*nohost.invalid*'
/// </code>
/// <para>Asks, then removes that target's runs from the journal; Get-SyncStatus stops listing it.</para>
/// </example>
/// <example title="See what would be retired">
/// <code>
/// Remove-SyncStatus -Target 'staging_*' -WhatIf
/// </code>
/// <para>Says which targets and how many runs each; removes nothing.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "SyncStatus", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(SyncStatus))]
public sealed class RemoveSyncStatusCommand : SyncToolsCmdlet
{
    /// <summary>The job whose targets to retire, or a wildcard pattern; binds from a status or any SyncTools result.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Job { get; set; }

    /// <summary>The target to retire, as Get-SyncStatus shows it, or a wildcard pattern; binds from a status.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    protected override void ProcessInput()
    {
        var journal = Journal;
        foreach (var status in RunJob((reporter, token) => SyncStatusQuery.RemoveAsync(Job, Target, journal, reporter, token)))
        {
            WriteObject(status);
        }
    }
}
