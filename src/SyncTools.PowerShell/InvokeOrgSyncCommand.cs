using System.Collections.Concurrent;
using System.Management.Automation;
using SyncTools.Core.MySql;
using SyncTools.Core.OrgSync;

namespace SyncTools.PowerShell;

/// <summary>Copies the MySQL LAAS database into the organizations database: institutes, users, institute users, user auth.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "OrgSync", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OrgSyncTableResult))]
public sealed class InvokeOrgSyncCommand : SyncToolsCmdlet
{
    /// <summary>The LAAS server's connection string; parts not in it come from -Server, -Port, -Credential or DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourceConnectionString { get; set; }

    /// <summary>The organizations server's connection string; default the source server (with -Credential).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetConnectionString { get; set; }

    /// <summary>The MySQL host; default $env:DB_HOST.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>The MySQL port; default $env:DB_PORT, else 3306.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The MySQL user and password; default $env:DB_USERNAME and $env:DB_PASSWORD.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

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
        var password = Credential?.GetNetworkCredential().Password;
        var source = new MySqlSource(SourceConnectionString, Server, (uint?)Port, Credential?.UserName, password);
        var options = new OrgSyncOptions
        {
            Source = source,
            Target = TargetConnectionString is null ? source : new MySqlSource(TargetConnectionString, user: Credential?.UserName, password: password),
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
            RunJournaledJob(OrgSyncJob.Name, options.SourceName, options.TargetName, (reporter, token) => OrgSyncJob.RunAsync(options, reporter, done.Enqueue, token));
        }
        finally
        {
            // The tables done are written even when a later one stops the run.
            if (!Stopping) WriteObject(done, enumerateCollection: true);
        }
    }
}
