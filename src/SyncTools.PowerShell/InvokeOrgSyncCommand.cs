using System.Collections.Concurrent;
using System.Management.Automation;
using SyncTools.Core.MySql;
using SyncTools.Core.OrgSync;

namespace SyncTools.PowerShell;

/// <summary>Copies the MySQL LAAS database into the organizations database: institutes, users, institute users, user auth.</summary>
/// <remarks>
/// <para>Copies the MySQL LAAS database (default laas) into the organizations database (default organizations): institutes, users, institute users and user auth, in foreign-key order so a row is written after those it refers to. Each table is read in batches of -BatchSize by its own primary key (any number of columns; else a unique key of NOT NULL columns; a table with neither is refused) within one read-only snapshot of the source (a new one after a retry); only new or changed rows are written, each batch as one multi-row upsert, so a re-run changes nothing. Institute users repeating an institute and user: only the one with the latest updated_at, then the highest key, is synced; the rest are counted as Duplicates.</para>
/// <para>The value rules: user_type TEACHER and INSTRUCTOR (any case) become the FACULTY role and anything else STUDENT; status ACTIVE (any case) is active and anything else, null included, is not; the display name is first and last name, trimmed, joined by one space. A row the target refuses is reported as a non-terminating error and left out, the rest of its batch still written (more than -MaxFailedRows such rows stop the run as failed); a transient failure (a lost connection, a deadlock, a lock wait timeout) retries the table from its last batch done, with backoff. Rows deleted or deactivated in the source stay in the target unless -RemoveMissing (a warning counts them, and Get-SyncStatus shows the target Degraded): every run compares every key of both sides, each table read as two streams in key order (with -RemoveMissing, -Incremental or a -Table subset leaving out a parent table, every key is read once first), so -Incremental sees deletions and deactivations too. institute_users.isActive keeps mirroring the membership's own LAAS status; a membership whose user or institute left the source is removed, not flagged, since the flag does not describe the user.</para>
/// <para>-CreateTargetSchema creates the target database and its missing tables from the schema the module ships (sql/organizations.sql). With -WhatIf it says per table what it would write, counting the rows it would insert into earlier tables as present, and, with -CreateTargetSchema, what it would create first. -Incremental reads only rows changed since the last complete successful run in the run journal. Writes one result per table (Read, Inserted, Updated, Unchanged, Skipped, Failed, Duplicates, Removed, Stale, Duration); Job and RunId bind to Get-SyncStatus.</para>
/// </remarks>
/// <example title="Sync everything with the environment's server settings">
/// <code>
/// $env:DB_HOST = 'mysql.local'; $env:DB_USERNAME = 'sync'
/// $env:DB_PASSWORD = Get-Secret laas-sync -AsPlainText   # or -Credential
/// Invoke-OrgSync -CreateTargetSchema
/// </code>
/// <para>Creates the organizations schema where it is missing, then copies the four tables; one result per table.</para>
/// </example>
/// <example title="Sync, then check the job's health">
/// <code>
/// Invoke-OrgSync -Server mysql.local -Credential (Get-Credential sync) -Incremental | Get-SyncStatus
/// </code>
/// <para>Only rows changed since the last complete run are read; the results' Job and RunId bind to Get-SyncStatus, which shows the health of that run's target.</para>
/// </example>
/// <example title="Preview two tables into another server">
/// <code>
/// $password = Get-Secret reporting-db -AsPlainText
/// Invoke-OrgSync -Table Institutes, Users -TargetConnectionString "Server=reporting.local;Database=organizations;User ID=sync;Password=$password" -WhatIf
/// </code>
/// <para>Reads and maps both tables and reports how many rows each would insert and update on reporting.local, with the user and password its connection string carries (DB_USERNAME and DB_PASSWORD belong to DB_HOST's server and are never sent to another); writes nothing.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "OrgSync", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OrgSyncTableResult))]
public sealed class InvokeOrgSyncCommand : MySqlCmdletBase
{
    /// <summary>The LAAS server's connection string; parts not in it come from -Server, -Port, -Credential or DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourceConnectionString { get; set; }

    /// <summary>The organizations server's connection string; default the source server. A string naming a server other than $env:DB_HOST carries its own user and password: DB_USERNAME and DB_PASSWORD (and -Credential, the source's) are never sent to it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetConnectionString { get; set; }

    /// <summary>The LAAS database; default laas.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string SourceDatabase { get; set; } = OrgSyncOptions.DefaultSourceDatabase;

    /// <summary>The organizations database; default organizations.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TargetDatabase { get; set; } = OrgSyncOptions.DefaultTargetDatabase;

    /// <summary>Sync only these tables (still in foreign-key order); default all four.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public OrgSyncTable[]? Table { get; set; }

    /// <summary>Rows read and written per batch; default 1000, at most 10000.</summary>
    [Parameter]
    [ValidateRange(1, OrgSyncOptions.MaxBatchSize)]
    public int BatchSize { get; set; } = OrgSyncOptions.DefaultBatchSize;

    /// <summary>Failed rows the run tolerates, each reported as a non-terminating error; one more stops it as failed (what was written stays). Default 100.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxFailedRows { get; set; } = OrgSyncOptions.DefaultMaxFailedRows;

    /// <summary>Only rows changed since the last complete successful run recorded in the journal (a full run when there is none).</summary>
    [Parameter]
    public SwitchParameter Incremental { get; set; }

    /// <summary>Create the target database and its missing tables from the schema the module ships first.</summary>
    [Parameter]
    public SwitchParameter CreateTargetSchema { get; set; }

    /// <summary>Remove the target rows whose source rows are gone or no longer pass the filter (deleted or deactivated users with their memberships and password hashes; institutes gone), user auth and institute users first, before syncing the rest; counted in Removed. Without it such rows stay, counted in Stale, with a warning. The target's ON DELETE CASCADE also removes the memberships and auth of a user removed from a -Table subset.</summary>
    [Parameter]
    public SwitchParameter RemoveMissing { get; set; }

    /// <summary>The most -RemoveMissing removes from a table, as a percentage of its rows, unless -Force: a source that reads as empty (a wrong database, a truncated table) must not empty the target. Default 10.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public double MaxRemove { get; set; } = OrgSyncOptions.DefaultMaxRemovePercent;

    /// <summary>Let -RemoveMissing remove more than -MaxRemove of a table, even all of it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

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
            MaxFailedRows = MaxFailedRows,
            CreateTargetSchema = CreateTargetSchema,
            RemoveMissing = RemoveMissing,
            MaxRemovePercent = MaxRemove,
            Force = Force,
        };
        var tables = string.Join(", ", (Table ?? Enum.GetValues<OrgSyncTable>()).Distinct().Order());
        var action = $"Synchronize {tables} from {options.SourceName}{(RemoveMissing ? ", removing rows whose source rows are gone or inactive" : "")}";
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
            this.RunJournaledJob(OrgSyncJob.Name, options.Endpoints.Source, options.Endpoints.Target, (reporter, token) => OrgSyncJob.RunAsync(options, reporter, done.Enqueue, token));
        }
        finally
        {
            // The tables done are written even when a later one stops the run.
            if (!Stopping) WriteObject(done, enumerateCollection: true);
        }
    }
}
