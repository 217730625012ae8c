using System.Management.Automation;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.Status;

namespace SyncTools.PowerShell;

/// <summary>The last run, last success and health of each job and target in the run journal.</summary>
/// <remarks>
/// <para>Reads the run journal (see about_SyncTools) and writes one status per job and target: the last run, its status and counts, the last success, and its Health. A target is Unhealthy when its last run failed or was aborted, or when it has had no success for longer than -MaxAge; Degraded when its last run succeeded but failed or skipped rows; Reason says why in words a person can act on. In a monitoring script, if (Get-SyncStatus -Unhealthy) { exit 1 } exits non-zero when anything is not healthy.</para>
/// <para>-Live also counts each target and its source now, over the same connection parameters as the jobs (MongoDB, MySQL, PostgreSQL), and a target holding fewer rows than its source is unhealthy. A target on a server no connection was given for (say MongoDB without -MongoConnectionString or MONGODB_URI) is not counted, and a warning names the parameter to give. For Start-ChangeSync it also reads the replication slot: Lag (how long change capture has not caught up), LagBytes and RetainedWalBytes; it is unhealthy when the slot is gone, when it is further behind than -MaxLag, or when nothing reads the slot and it holds back more than -MaxRetainedWalBytes of WAL. Job and RunId bind by property name from any SyncTools result, so a job piped into Get-SyncStatus reports that run's target.</para>
/// </remarks>
/// <example title="Health of every job">
/// <code>
/// Get-SyncStatus | Format-Table
/// </code>
/// <para>One row per job and target from the run journal.</para>
/// </example>
/// <example title="Alert on what is unhealthy">
/// <code>
/// Get-SyncStatus -Unhealthy -MaxAge (New-TimeSpan -Hours 6) | Export-Csv ./unhealthy.csv
/// </code>
/// <para>Only what failed, was aborted or has not succeeded for six hours; in a scheduled task, a non-empty file means someone should look.</para>
/// </example>
/// <example title="Check a run as it finishes, with live counts">
/// <code>
/// Invoke-OrgSync | Get-SyncStatus -Live
/// </code>
/// <para>Get-SyncStatus receives each table's result and reports the target's health with its source and target counted now.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "SyncStatus")]
[OutputType(typeof(SyncStatus))]
public sealed class GetSyncStatusCommand : DatabaseCmdletBase
{
    private readonly HashSet<(string, string)> _written = new();

    /// <summary>Only this job, e.g. Sync-TowAndGoToMongo, or the jobs a wildcard pattern matches (Sync-*); binds from any SyncTools result.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Job { get; set; }

    /// <summary>Only this target, as the status shows it (kind://server/database/path, e.g. mongodb://db1:27017/towandgo/links), or the targets a wildcard pattern matches (*/towandgo/*).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    /// <summary>Only the job and target of this run; binds from any SyncTools result.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Guid? RunId { get; set; }

    /// <summary>No success for longer than this is unhealthy; default 26 hours (a daily job with slack).</summary>
    [Parameter]
    public TimeSpan MaxAge { get; set; } = SyncStatusOptions.DefaultMaxAge;

    /// <summary>With -Live: a change sync further behind than this is unhealthy; default one hour.</summary>
    [Parameter]
    public TimeSpan MaxLag { get; set; } = SyncStatusOptions.DefaultMaxLag;

    /// <summary>With -Live: a change sync's slot that nothing reads and that holds back more WAL than this many bytes is unhealthy; default 1 GiB.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaxRetainedWalBytes { get; set; } = SyncStatusOptions.DefaultMaxRetainedWalBytes;

    /// <summary>Only what is not healthy (Unhealthy, and Degraded unless -ExcludeDegraded): for alerting in a runbook, e.g. if (Get-SyncStatus -Unhealthy) { exit 1 }.</summary>
    [Parameter]
    public SwitchParameter Unhealthy { get; set; }

    /// <summary>With -Unhealthy: leave out what is only Degraded (a successful last run that failed or skipped rows).</summary>
    [Parameter]
    public SwitchParameter ExcludeDegraded { get; set; }

    /// <summary>
    /// Count each target (and its source) live, over the connection parameters; a target holding fewer than its
    /// source is unhealthy. A target whose server has no connection given is not counted, with a warning.
    /// </summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    /// <summary>The PostgreSQL server for Start-FullSync's and Start-ChangeSync's live counts and slots; default from PGHOST, PGPORT, PGUSER, PGPASSWORD when PGHOST is set.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PostgresConnectionString { get; set; }

    protected override void ProcessInput()
    {
        var options = new SyncStatusOptions { Job = Job, Target = Target, RunId = RunId, MaxAge = MaxAge, MaxLag = MaxLag, MaxRetainedWalBytes = MaxRetainedWalBytes, UnhealthyOnly = Unhealthy, IncludeDegraded = !ExcludeDegraded, Live = Live ? Connections() : null };
        var journal = Journal;
        foreach (var status in RunJob((reporter, token) => SyncStatusQuery.RunAsync(options, journal, reporter, token)))
        {
            // Several results of one job and target from the pipeline show it once.
            if (_written.Add((status.Job, status.Target))) WriteObject(status);
        }
    }

    /// <summary>
    /// MongoDB only when a connection string is at hand; MySQL from its parameters and the DB_* defaults; PostgreSQL
    /// when its connection string is given or PGHOST is set.
    /// </summary>
    private LiveConnections Connections() => new(
        HasMongo ? MongoEndpoint : null,
        MySqlSource(),
        PostgresConnectionString is not null || Environment.GetEnvironmentVariable("PGHOST") is { Length: > 0 } ? new PgSource(PostgresConnectionString) : null);
}
