using System.Collections.Concurrent;
using System.Management.Automation;
using SyncTools.Core.MySql;
using SyncTools.Core.OrgSync;

namespace SyncTools.PowerShell;

/// <summary>Copies the MySQL LAAS database into the organizations database: institutes, users, institute users, user auth.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "OrgSync", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OrgSyncTableResult))]
public sealed class InvokeOrgSyncCommand : MySqlCmdletBase
{
    /// <summary>The LAAS server's connection string; parts not in it come from -Server, -Port, -Credential or DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourceConnectionString { get; set; }

    /// <summary>The organizations server's connection string, used as given (-Server, -Port, -Credential are the source's); default the source server.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetConnectionString { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string SourceDatabase { get; set; } = OrgSyncOptions.DefaultSourceDatabase;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TargetDatabase { get; set; } = OrgSyncOptions.DefaultTargetDatabase;

    /// <summary>Sync only these tables (still in foreign-key order); default all four.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public OrgSyncTable[]? Table { get; set; }

    [Parameter]
    [ValidateRange(1, OrgSyncOptions.MaxBatchSize)]
    public int BatchSize { get; set; } = OrgSyncOptions.DefaultBatchSize;

    /// <summary>Only rows changed since the last complete successful run recorded in the journal (a full run when there is none).</summary>
    [Parameter]
    public SwitchParameter Incremental { get; set; }

    /// <summary>Create the target database and its missing tables from the schema the module ships first.</summary>
    [Parameter]
    public SwitchParameter CreateTargetSchema { get; set; }

    protected override void ProcessInput()
    {
        var source = MySqlSource(SourceConnectionString);
        var options = new OrgSyncOptions
        {
            Source = source,
            Target = TargetConnectionString is null ? source : new MySqlSource(TargetConnectionString),
            SourceDatabase = SourceDatabase,
            TargetDatabase = TargetDatabase,
            Tables = Table ?? [],
            BatchSize = BatchSize,
            CreateTargetSchema = CreateTargetSchema,
        };
        var tables = string.Join(", ", (Table ?? Enum.GetValues<OrgSyncTable>()).Distinct().Order());
        var action = $"Synchronize {tables} from {options.SourceName}";
        if (!ShouldProcess($"Performing the operation \"{action}\" on target \"{options.TargetName}\".", $"{action} into {options.TargetName}?", "Confirm", out var reason))
        {
            if (reason != ShouldProcessReason.WhatIf) return;
            options = options with { Preview = true };
        }

        if (Incremental)
        {
            var journal = Journal;
            options = options with { ChangedSince = RunJob((reporter, token) => OrgSyncJob.IncrementalSinceAsync(journal, options, reporter, token)) };
        }

        var done = new ConcurrentQueue<OrgSyncTableResult>();
        try
        {
            this.RunJournaledJob(OrgSyncJob.Name, options.SourceName, options.TargetName, (reporter, token) => OrgSyncJob.RunAsync(options, reporter, done.Enqueue, token));
        }
        finally
        {
            // The tables done are written even when a later one stops the run.
            if (!Stopping) WriteObject(done, enumerateCollection: true);
        }
    }
}
